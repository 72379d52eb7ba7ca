"""The real gate judges while the load runs: real Locust, real sample model servers, real judge.

A candidate 10× slower than its baseline must be FAILed and its load stopped long before the
gate's 60 s; an identical candidate must PASS once the minimum has run, also well before 60 s;
a second gate of the same rollout carries the first gate's blocks (one test per rollout).
About 20–30 s per gate on a loaded machine: 2 s blocks, 6 blocks to decide, 6 s flush slack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ai_deploy_ci.gates import Endpoint, GateRequest
from ai_deploy_ci.gates.load_and_judge import LoadAndJudge
from ai_deploy_ci.local.model_server.process import ModelServerProcess
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.spec.load import load_spec
from ai_deploy_ci.verdict import Verdict
from tests.unit.analysis.factory import canary_deploy

DEPLOY = canary_deploy(
    "60s",
    """\
load:
  payloads: [{text: great movie}, {text: terrible plot}]
  users: 4
  duration: 60s
  warmup: 1s
analysis:
  blockLength: 2s
  minDuration: 12s
  maxDuration: 60s
  metrics:
    - {name: p95-latency, type: latency, quantile: 0.95, maxIncrease: 0.5, critical: true}
""",
)


def _request(tmp_path: Path, number: int, base: str, cand: str) -> GateRequest:
    path = tmp_path / "deploy.yaml"
    path.write_text(DEPLOY)
    spec = load_spec(path)
    plan = make_plan(spec, ObservedState(run=RunInfo("gate-test")))  # the gate reads only the spec
    index = 0
    return GateRequest(
        spec=spec, plan=plan, index=index, number=number, step=plan.steps[index], weight=20, duration=60.0,
        baseline=Endpoint(None, 0, "default", base), candidate=Endpoint(None, 0, "default", cand),
        public=None,
        results_dir=tmp_path / "results" / "gates" / str(number),
    )


def _verdict(tmp_path: Path, number: int) -> dict[str, Any]:
    return json.loads((tmp_path / "results" / "gates" / str(number) / "verdict.json").read_text())


def test_a_much_slower_candidate_is_failed_and_its_load_stopped_early(
    tmp_path: Path, model_server_factory: Callable[..., ModelServerProcess]
) -> None:
    base = model_server_factory(model_version="v1", extra_latency_ms=10.0)
    cand = model_server_factory(model_version="v2", extra_latency_ms=100.0)
    gate = LoadAndJudge(base_dir=tmp_path)
    assert gate(_request(tmp_path, 1, base.url, cand.url)) is Verdict.FAIL
    v = _verdict(tmp_path, 1)
    assert v["load_stopped_early"] is True and v["stopped_early"] is True
    assert v["time_to_decision_s"] is not None and v["time_to_decision_s"] < 45.0  # of a 60 s gate
    assert v["decided_at_s"] is not None and v["decided_at_s"] <= 30.0
    assert "betting" in v["checks"][0]["test"]


def test_identical_candidates_pass_early_and_the_second_gate_carries_the_first(
    tmp_path: Path, model_server_factory: Callable[..., ModelServerProcess]
) -> None:
    base = model_server_factory(model_version="v1", extra_latency_ms=10.0)
    cand = model_server_factory(model_version="v2", extra_latency_ms=10.0)
    gate = LoadAndJudge(base_dir=tmp_path)
    assert gate(_request(tmp_path, 1, base.url, cand.url)) is Verdict.PASS
    first = _verdict(tmp_path, 1)
    assert first["load_stopped_early"] is True and first["time_to_decision_s"] < 50.0
    assert first["sensitivity"] and "beyond the margin" in first["sensitivity"][0]["summary"]
    assert gate(_request(tmp_path, 2, base.url, cand.url)) is Verdict.PASS
    rollout = json.loads((tmp_path / "results" / "rollout-tests.json").read_text())
    (series,) = rollout["series"].values()
    assert rollout["gates"] == 2 and len(series["starts"]) == 2 and series["starts"][1] >= 6
    assert "over the rollout" in _verdict(tmp_path, 2)["checks"][0]["test"]
