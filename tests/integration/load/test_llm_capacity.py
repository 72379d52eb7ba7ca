"""The capacity gate on the local sample server: a candidate with a smaller KV-cache-like
concurrency limit (3 slots against 5: 60 % of the baseline's sustainable rate) is as fast at
low load, and FAILs; an equal one PASSes. From deploy.yaml's `analysis.capacity` through the
gate's sweep to verdict.json's check; real Locust, real HTTP, both targets in the same windows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.artifacts import VerdictFile
from ai_deploy_ci.load.capacity_sweep import CAPACITY_FILE, gate_capacity
from ai_deploy_ci.spec.load import load_spec
from tests.unit.spec.documents import BASE, edit

pytestmark = pytest.mark.timeout(240)

# 60 ms to the first token and 3 × 15 ms after it: ≈ 105 ms per request, so 5 slots sustain
# ≈ 48 req/s and 3 slots ≈ 29 req/s; the TTFT SLO (250 ms) is missed once requests queue
SERVER = {"first_token_ms": 60.0, "token_interval_ms": 15.0}
CAPACITY = ("  capacity:\n    rates: [15, 24, 38.4, 61.4]\n    stepDuration: 3s\n    stepWarmup: 1s\n"
            "    margin: 0.2\n")
PASSED = VerdictFile(verdict="PASS", reason="all metrics pass", score=100.0, blocks=4, decided_at_s=None,
                     stopped_early=False, checks=[])


def _spec(tmp_path: Path) -> Any:
    text = edit(("  port: 8080\n", "  port: 8080\n  protocol: openai\n  modelName: iris\n"),
                ("  users: 10\n",
                 "  users: 10\n  maxTokens: 4\n  payloads: [{prompt: the flower}, {prompt: a petal}]\n"),
                ("analysis:\n", "analysis:\n" + CAPACITY), base=BASE)
    text += "    - {name: ttft, type: ttft, quantile: 0.5, slo: {max: 250}}\n"
    path = tmp_path / "deploy.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def _gate(factory: Any, tmp_path: Path, candidate_slots: int) -> tuple[VerdictFile, dict[str, Any]]:
    base = factory(max_concurrency=5, model_version="v1", **SERVER)
    cand = factory(max_concurrency=candidate_slots, model_version="v2", **SERVER)
    spec = _spec(tmp_path)
    verdict = gate_capacity(spec, tmp_path, base.url, cand.url, PASSED, tmp_path, on_event=lambda _: None)
    report = json.loads((tmp_path / "capacity" / CAPACITY_FILE).read_text(encoding="utf-8"))
    return verdict, report


def test_candidate_saturating_at_60_percent_fails(model_server_factory: Any, tmp_path: Path) -> None:
    verdict, report = _gate(model_server_factory, tmp_path, candidate_slots=3)
    assert verdict["verdict"] == "FAIL" and verdict["reason"].startswith("capacity:"), report["table"]
    check = verdict["checks"][-1]
    assert check["metric"] == "capacity" and check["verdict"] == "FAIL" and check["critical"]
    low_b, low_c = (report["curves"][t][0] for t in ("baseline", "candidate"))
    # as fast at low load: same TTFT, full goodput on both
    assert abs(low_b["ttft_p50"] - low_c["ttft_p50"]) <= 0.15 * low_b["ttft_p50"], report["table"]
    assert low_c["goodput"] >= 0.9 * 15.0 and low_b["goodput"] >= 0.9 * 15.0, report["table"]
    assert 0.45 <= report["ratio"] <= 0.78, report["table"]
    assert report["goodput_slos"] == {"ttft_ms": 250.0}
    assert "| offered req/s |" in report["table"]


def test_equal_candidate_passes(model_server_factory: Any, tmp_path: Path) -> None:
    verdict, report = _gate(model_server_factory, tmp_path, candidate_slots=5)
    assert verdict["verdict"] == "PASS" and verdict["checks"][-1]["verdict"] == "PASS", report["table"]
    assert report["ratio"] >= 0.85, report["table"]
