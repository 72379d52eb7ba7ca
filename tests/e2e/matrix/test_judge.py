"""The real gate (Locust + the sequential judge) on what users get: a worse candidate is rolled
back, a good one promoted, and report.md says what the artifacts say (issue #12).

Short gates (6 s of load, 1 s blocks) and wide latency margins keep each case to seconds on a
loaded 2-core machine; the candidates differ by far more than the margins (+80 ms on 10 ms,
30 % errors, half the answers wrong), so the verdicts are not borderline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.gates.load_and_judge import LoadAndJudge
from ai_deploy_ci.local.environment import LocalEnvironment
from tests.e2e.matrix import checks
from tests.e2e.matrix.cases import (
    ERRORING,
    GOOD,
    SLOWER,
    WRONG_OUTPUT,
    read_json,
    report_text,
    ship,
    short_gates,
)

BASE = {"EXTRA_LATENCY_MS": "10"}


def _judge(tmp: Path) -> LoadAndJudge:
    return LoadAndJudge(base_dir=tmp / "v2", on_event=lambda _m: None)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("example", "candidate", "expected"),
    [
        pytest.param("rolling.yaml", SLOWER, "rolled_back", id="rolling-slower", marks=pytest.mark.slow),
        pytest.param("rolling.yaml", GOOD, "promoted", id="rolling-good", marks=pytest.mark.slow),
        pytest.param("canary-gateway-api.yaml", ERRORING, "rolled_back", id="canary-erroring"),
        pytest.param("canary-gateway-api.yaml", WRONG_OUTPUT, "rolled_back", id="canary-wrong-output",
                     marks=pytest.mark.slow),
        pytest.param("canary-gateway-api.yaml", SLOWER, "rolled_back", id="canary-slower",
                     marks=pytest.mark.slow),
        pytest.param("canary-replicas.yaml", SLOWER, "rolled_back", id="replicas-slower",
                     marks=pytest.mark.slow),
    ],
)
def test_real_judge_acts_on_what_users_get(env: LocalEnvironment, namespace: str, tmp_path: Path,
                                           example: str, candidate: dict[str, str], expected: str) -> None:
    shipped = ship(env, example, namespace, tmp_path, candidate=candidate, baseline=BASE,
                   gate=_judge(tmp_path), tune=short_gates)
    assert shipped.outcome == expected, (shipped.outcome, _verdicts(shipped.results))
    if shipped.spec.strategy.type == "rolling" and candidate is SLOWER:
        # the gate loaded the old pods as its baseline, not the candidate twice
        summary = read_json(shipped.results / "gates" / "1" / "summary.json")
        assert len(set(str(t.get("url")) for t in summary["targets"].values())) == 2, summary["targets"]
    checks.no_user_request_failed(shipped) if expected == "promoted" else None
    if expected == "rolled_back":
        checks.namespace_restored(shipped)


def _verdicts(results: Path) -> list[str]:
    return [str(read_json(p).get("reason")) for p in sorted(results.glob("gates/*/verdict.json"))]


@pytest.mark.e2e
def test_report_shows_the_availability_run_measured(env: LocalEnvironment, namespace: str,
                                                    tmp_path: Path) -> None:
    """`run`'s report must show the availability figures availability.json holds (the lead's fix
    in commands/run.py and pipeline/evidence.py; this checks it from the user's side)."""
    shipped = ship(env, "canary-replicas.yaml", namespace, tmp_path, baseline=BASE, gate=_judge(tmp_path),
                   tune=short_gates)
    assert shipped.outcome == "promoted", _verdicts(shipped.results)
    availability = read_json(shipped.results / "availability.json")
    assert shipped.deploy_file is not None
    report = report_text(shipped.results, shipped.deploy_file)
    assert "No availability probe ran" not in report
    assert str(availability["requests"]) in report, (availability, report[:2000])
