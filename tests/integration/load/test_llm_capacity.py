"""The capacity sweep on the local sample server: a candidate with a smaller KV-cache-like
concurrency limit (3 slots against 5: 60 % of the baseline's sustainable rate) is as fast at
low load, and FAILs; an equal one PASSes. Real Locust, real HTTP, both targets in the same windows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.analysis.capacity import CapacityPolicy
from ai_deploy_ci.load.capacity_sweep import run_capacity_sweep
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.load.locustfile_gen import BUILTIN_USERS

pytestmark = pytest.mark.timeout(240)

# 60 ms to the first token and 3 × 15 ms after it: ≈ 105 ms per request, so 5 slots sustain
# ≈ 48 req/s and 3 slots ≈ 29 req/s; the TTFT SLO (250 ms) is missed once requests queue
SERVER = {"first_token_ms": 60.0, "token_interval_ms": 15.0}
POLICY = CapacityPolicy(rates=(15.0, 24.0, 38.4, 61.4), step_duration=3.0, step_warmup=1.0, margin=0.2)


def _sweep(factory: Any, tmp_path: Path, candidate_slots: int) -> dict[str, Any]:
    base = factory(max_concurrency=5, model_version="v1", **SERVER)
    cand = factory(max_concurrency=candidate_slots, model_version="v2", **SERVER)
    config = RunConfig(targets={"baseline": base.url, "candidate": cand.url},
                       user_ref=BUILTIN_USERS["openai-completions"], samples_dir=str(tmp_path / "raw"),
                       payloads=[{"prompt": "the flower"}, {"prompt": "a petal"}], model_name="iris",
                       max_tokens=4, goodput_slos={"ttft_ms": 250.0})
    return run_capacity_sweep(config, tmp_path, POLICY)


def test_candidate_saturating_at_60_percent_fails(model_server_factory: Any, tmp_path: Path) -> None:
    report = _sweep(model_server_factory, tmp_path, candidate_slots=3)
    assert report["verdict"] == "FAIL", report["table"]
    low_b, low_c = (report["curves"][t][0] for t in ("baseline", "candidate"))
    # as fast at low load: same TTFT, full goodput on both
    assert abs(low_b["ttft_p50"] - low_c["ttft_p50"]) <= 0.15 * low_b["ttft_p50"], report["table"]
    assert low_c["goodput"] >= 0.9 * 15.0 and low_b["goodput"] >= 0.9 * 15.0, report["table"]
    assert 0.45 <= report["ratio"] <= 0.78, report["table"]
    assert "| offered req/s |" in report["table"]


def test_equal_candidate_passes(model_server_factory: Any, tmp_path: Path) -> None:
    report = _sweep(model_server_factory, tmp_path, candidate_slots=5)
    assert report["verdict"] == "PASS", report["table"]
    assert report["ratio"] >= 0.85, report["table"]
