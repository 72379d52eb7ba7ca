"""rollout.json of a run that changed nothing (outcome `not_started`) renders one sentence saying
why — "Nothing was deployed: preflight failed — <reason>." — and the fix, instead of an empty
report or a list of files that were never going to be written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.plan.model import Endpoints, Plan
from ai_deploy_ci.plan.records import not_started
from ai_deploy_ci.report.render import render_markdown
from tests.unit.report.checks import check_markdown

PLAN = Plan(
    name="sentiment",
    namespace="ml",
    strategy="blueGreen",
    router="service",
    run_id="123",
    candidate_version="2.0.0",
    baseline_version="1.0.0",
    steps=(),
    touches=(),
    endpoints=Endpoints(None, "sentiment-preview", 8080),
    annotations={"ai-deploy-ci.io/commit-sha": "abc1234def"},
)

CASES: list[tuple[str, dict[str, Any], str]] = [
    # (case, the record's not_started object, the sentence the report must contain)
    (
        "preflight",
        {"stage": "preflight", "reason": "needs 9 GPUs, only 2 are free", "fix": "free GPUs"},
        "**Nothing was deployed: preflight failed — needs 9 GPUs, only 2 are free.**\n\n**Fix:** free GPUs",
    ),
    (
        "lock",
        {"stage": "lock", "reason": "run 77 is deploying sentiment in ml", "fix": "wait for that run"},
        "**Nothing was deployed: another run holds the lock — run 77 is deploying sentiment in ml.**",
    ),
    (
        "plan",
        {"stage": "plan", "reason": "GET deployments timed out."},  # no fix; its own full stop kept once
        "**Nothing was deployed: the run could not read the cluster or plan — GET deployments timed out.**",
    ),
    (
        "unknown-stage",
        {"stage": "quota", "reason": "over quota"},
        "**Nothing was deployed: the run stopped before its first step — over quota.**",
    ),
    (
        "markdown-in-reason",
        {"stage": "preflight", "reason": "not allowed: update *routes* | `x`"},
        r"**Nothing was deployed: preflight failed — not allowed: update \*routes\* \| \`x\`.**",
    ),
    ("no-details", {}, "**Nothing was deployed: the run stopped before its first step.**"),
    ("wrong-types", {"stage": 3, "reason": ["x"], "fix": None}, "the run stopped before its first step."),
]


def _write(directory: Path, why: dict[str, Any]) -> Path:
    rec: dict[str, Any] = dict(
        not_started(PLAN, "preflight", "r", fix=None, error="ClusterError", exit_code=3)
    )
    rec["not_started"] = why
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rollout.json").write_text(json.dumps(rec), encoding="utf-8")
    return directory


@pytest.mark.parametrize(("why", "sentence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_reason_is_one_sentence_under_the_headline(
    tmp_path: Path, why: dict[str, Any], sentence: str
) -> None:
    text = render_markdown(_write(tmp_path, why))
    assert text.startswith("## ⛔ Not deployed: sentiment `2.0.0` → staging\n\n")
    assert sentence in text
    assert "`blueGreen` via `service` · `2.0.0` not deployed" in text  # not "`1.0.0` → `2.0.0`"
    assert "not written" not in text and "stopped before the load test" not in text
    assert "Fix:" in text if why.get("fix") and isinstance(why.get("fix"), str) else "Fix:" not in text
    check_markdown(text)


def test_the_record_from_the_engine() -> None:
    rec = not_started(PLAN, "lock", "held", fix="wait", error="LockHeld", exit_code=5)
    assert rec["outcome"] == "not_started" and rec["steps"] == []
    assert rec["not_started"] == {
        "stage": "lock",
        "reason": "held",
        "fix": "wait",
        "error": "LockHeld",
        "exit_code": 5,
    }
    assert rec["commit"] == "abc1234def" and rec["baseline_version"] == "1.0.0"
    assert (
        "fix"
        not in not_started(PLAN, "plan", "x", fix=None, error="ClusterError", exit_code=3)["not_started"]
    )


def test_other_outcomes_say_nothing_of_it(tmp_path: Path) -> None:
    rec: dict[str, Any] = dict(
        not_started(PLAN, "preflight", "r", fix=None, error="ClusterError", exit_code=3)
    )
    rec["outcome"] = "promoted"
    tmp_path.joinpath("rollout.json").write_text(json.dumps(rec), encoding="utf-8")
    text = render_markdown(tmp_path)
    assert "Nothing was deployed" not in text and "`1.0.0` → `2.0.0`" in text
