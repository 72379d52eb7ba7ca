"""The pure parts of `ai-deploy-ci run`: overrides, the deciding gate, step outputs, URLs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ai_deploy_ci.commands.run import step_outputs, with_overrides
from ai_deploy_ci.gates import Endpoint
from ai_deploy_ci.gates.load_and_judge import reachable_url
from ai_deploy_ci.pipeline.evidence import promote_last_gate
from ai_deploy_ci.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[3]


def _args(**kw: object) -> argparse.Namespace:
    base = {"image": None, "server_version": None, "baseline_url": None, "candidate_url": None}
    return argparse.Namespace(**{**base, **kw})


def test_overrides_replace_only_what_was_given() -> None:
    spec = load_spec(ROOT / "examples" / "local-demo-canary.yaml")
    same = with_overrides(spec, _args())
    assert same == spec
    changed = with_overrides(spec, _args(image="reg/x:9", server_version="v9", candidate_url="http://c:1"))
    assert (changed.server.image, changed.server.version) == ("reg/x:9", "v9")
    assert changed.load.candidate is not None and changed.load.candidate.url == "http://c:1"
    assert changed.load.baseline == spec.load.baseline and changed.metadata == spec.metadata


def test_the_last_judged_gate_becomes_the_top_level_result(tmp_path: Path) -> None:
    for n, verdict in ((1, "PASS"), (2, "FAIL"), (10, None)):  # gate 10 never got judged
        gate = tmp_path / "gates" / str(n)
        gate.mkdir(parents=True)
        (gate / "summary.json").write_text(json.dumps({"gate": n}))
        if verdict:
            (gate / "verdict.json").write_text(json.dumps({"verdict": verdict, "checks": []}))
    promote_last_gate(tmp_path)
    assert json.loads((tmp_path / "verdict.json").read_text())["verdict"] == "FAIL"
    assert json.loads((tmp_path / "summary.json").read_text()) == {"gate": 2}


def test_step_outputs(tmp_path: Path) -> None:
    (tmp_path / "verdict.json").write_text(json.dumps({"verdict": "FAIL", "checks": [
        {"metric": "error-rate", "type": "errorRate", "change_pct": None},
        {"metric": "p95-latency", "type": "latency", "change_pct": 203.4612}]}))
    (tmp_path / "rollout.json").write_text(json.dumps({"outcome": "rolled_back"}))
    out = step_outputs(tmp_path, "pr-check", 4)
    assert out == {"verdict": "FAIL", "outcome": "rolled_back", "p95-change": "203.46",
                   "results-dir": str(tmp_path), "exit-code": "4", "mode": "pr-check"}
    assert step_outputs(tmp_path / "missing", "release", 3)["verdict"] == "NONE"


@pytest.mark.parametrize(("endpoint", "expected"), [
    (Endpoint(None, 8080, "ns", "http://given:1"), "http://given:1"),
    (Endpoint("m", 8080, "ns", "http://m.ns.svc:8080", cluster_ip="127.20.0.5"), "http://127.20.0.5:8080"),
    (Endpoint("m", 8080, "ns", "http://m.ns.svc:8080", cluster_ip="10.96.0.7"), "http://m.ns.svc:8080"),
    (Endpoint("m", 8080, "ns", "http://m.ns.svc:8080"), "http://m.ns.svc:8080"),
], ids=["explicit", "local-loopback-clusterip", "real-clusterip-uses-dns", "no-clusterip"])
def test_reachable_url(endpoint: Endpoint, expected: str) -> None:
    assert reachable_url(endpoint) == expected
