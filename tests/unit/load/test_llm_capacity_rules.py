"""The capacity decision (pure), `analysis.capacity` in deploy.yaml, and its cost in `plan`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ai_deploy_ci.analysis.capacity import (
    CapacityPolicy,
    Step,
    as_check,
    fold,
    judge,
    max_goodput,
    should_stop,
)
from ai_deploy_ci.artifacts import VerdictFile
from ai_deploy_ci.spec.load import load_spec, validate_text
from ai_deploy_ci.verdict import Verdict
from tests.unit.spec.documents import edit

POLICY = CapacityPolicy(rates=(10.0, 20.0, 40.0, 80.0), step_duration=10.0, step_warmup=2.0, margin=0.1)


def curve(*goodputs: float) -> list[Step]:
    return [Step(offered=r, rps=r, goodput=g, errors=0, count=int(r * 10))
            for r, g in zip(POLICY.rates, goodputs, strict=False)]


@pytest.mark.parametrize(("base", "cand", "verdict"), [
    (curve(10, 20, 39, 20), curve(10, 20, 24, 5), Verdict.FAIL),  # saturates at 60 %: 24 < 0.9 × 39
    (curve(10, 20, 39, 20), curve(10, 20, 37, 18), Verdict.PASS),  # 37 ≥ 35.1
    (curve(10, 20, 40, 80), curve(10, 20, 40, 79), Verdict.PASS),  # never saturated: "at least"
    (curve(0, 0), curve(10, 20), Verdict.INCONCLUSIVE),
], ids=["sixty-percent", "equal", "unsaturated", "no-baseline"])
def test_judge(base: list[Step], cand: list[Step], verdict: Verdict) -> None:
    result = judge(base, cand, POLICY)
    assert result.verdict is verdict, result.reason
    if verdict is not Verdict.INCONCLUSIVE:
        assert result.ratio == pytest.approx(max_goodput(cand) / max_goodput(base))


def test_generator_saturation_is_inconclusive() -> None:
    cand = [*curve(10, 20), Step(40.0, 30.0, 24.0, 0, 300, generator_saturated=True)]
    assert judge(curve(10, 20, 39), cand, POLICY).verdict is Verdict.INCONCLUSIVE


def test_over_saturation_stop_needs_every_target() -> None:
    assert not should_stop({"baseline": curve(10, 20, 39), "candidate": curve(10, 20, 24)}, POLICY)
    assert should_stop({"baseline": curve(10, 20, 30), "candidate": curve(10, 20, 24)}, POLICY)
    two = CapacityPolicy(rates=POLICY.rates, stop_after=2)
    assert not should_stop({"baseline": curve(10, 20, 30), "candidate": curve(10, 20, 24)}, two)
    assert should_stop({"baseline": curve(10, 15, 30), "candidate": curve(10, 15, 24)}, two)


def test_fold_adds_a_critical_check_that_fails_the_gate() -> None:
    passed = VerdictFile(verdict="PASS", reason="ok", score=100.0, blocks=4, decided_at_s=None,
                         stopped_early=False, checks=[])
    result = judge(curve(10, 20, 39, 20), curve(10, 20, 24, 5), POLICY)
    folded = fold(passed, as_check(result, POLICY, 4, 40))
    assert folded["verdict"] == "FAIL"
    assert folded["reason"].startswith("capacity: candidate saturates at 24.0")
    assert folded["checks"][0]["critical"] and folded["checks"][0]["line"] == 40
    assert passed["checks"] == []  # the input is not changed
    ok = fold(passed, as_check(judge(curve(10, 20, 39), curve(10, 20, 38), POLICY), POLICY, 3, None))
    assert ok["verdict"] == "PASS" and ok["reason"] == "ok"


def test_budget_is_every_step() -> None:
    assert POLICY.budget_seconds() == 4 * (2.0 + 10.0 + 4.0)


CAP = "  capacity:\n    rates: [5, 10, 20]\n    stepDuration: 20s\n"
SLO = "    - {name: p95max, type: latency, quantile: 0.95, slo: {max: 250}}\n"


def _doc(capacity: str, slo: str = SLO) -> str:
    return edit(("analysis:\n", "analysis:\n" + capacity)) + slo


def test_capacity_converts_and_plan_shows_its_cost(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(_doc(CAP), encoding="utf-8")
    cap = load_spec(path).analysis.capacity
    assert cap is not None and cap.rates == (5.0, 10.0, 20.0) and cap.step_duration == 20.0
    out = subprocess.run([sys.executable, "-m", "ai_deploy_ci", "plan", str(path), "--offline"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "capacity: after each analysis gate, up to 3 rate steps (5, 10, 20 req/s per target): " \
           "at most 78 s more per gate" in out, out


@pytest.mark.parametrize(("capacity", "slo", "message", "severity"), [
    ("  capacity:\n    rates: [5, 20, 10]\n", SLO, "rates must increase: 10 follows 20", "error"),
    ("  capacity:\n    rates: [5]\n", SLO, "at least 2", "error"),
    ("  capacity:\n    rates: [5, 10]\n    margin: 1\n", SLO, "margin", "error"),
    ("  capacity:\n    rates: [5, 10]\n    steps: 3\n", SLO, "unknown key 'steps'", "error"),
    (CAP, "", "capacity counts every successful request as good", "warning"),
], ids=["decreasing", "one-rate", "margin-1", "unknown-key", "no-slo"])
def test_bad_capacity_is_located(tmp_path: Path, capacity: str, slo: str, message: str,
                                 severity: str) -> None:
    found = validate_text(_doc(capacity, slo), "deploy.yaml", tmp_path)
    problems = [p for p in found if p.severity == severity]
    assert any(message in p.message or message in p.path for p in problems), problems
    assert all(p.line >= 31 and "capacity" in p.path for p in problems), problems
