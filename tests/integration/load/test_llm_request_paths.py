"""Through real Locust against the sample server: the JSON user on KServe v1's path, and a
workload whose payloads carry their own max_tokens (the server's usage counts what was asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ai_deploy_ci.artifacts import SAMPLES_FILE
from ai_deploy_ci.load import runner, samples_io
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.load.locustfile_gen import BUILTIN_USERS
from ai_deploy_ci.load.workload import workload_payloads
from ai_deploy_ci.spec.model import Lengths, Workload
from tests.e2e.load.helpers import status_counts

pytestmark = pytest.mark.timeout(120)


def test_json_user_on_kserve_v1_path(model_server_factory: Any, tmp_path: Path) -> None:
    server = model_server_factory()
    config = RunConfig(targets={"baseline": server.url, "candidate": server.url},
                       user_ref=BUILTIN_USERS["json"], samples_dir=str(tmp_path / "raw"),
                       payloads=[{"instances": [[5.1, 3.5, 1.4, 0.2]]}], model_name="iris",
                       users_per_target=1, spawn_rate=100.0, warmup=0.0, duration=2.0,
                       request_path="/v1/models/{model}:predict")
    summary = runner.execute(config, tmp_path)
    served = status_counts(server.url, "predict")
    for t in summary["targets"].values():
        assert t["count"] > 10 and t["errors"] == 0, t["errors_by_kind"]
    assert served.get("200", 0) >= sum(t["count"] for t in summary["targets"].values())


def test_workload_lengths_reach_the_server(model_server_factory: Any, tmp_path: Path) -> None:
    server = model_server_factory(first_token_ms=5.0, token_interval_ms=2.0)
    payloads = workload_payloads(Workload(count=20, seed=1, prompt_tokens=Lengths("uniform", min=5, max=30),
                                          output_tokens=Lengths("uniform", min=2, max=12)), tmp_path)
    config = RunConfig(targets={"baseline": server.url, "candidate": server.url},
                       user_ref=BUILTIN_USERS["openai-chat"], samples_dir=str(tmp_path / "raw"),
                       payloads=list(payloads), model_name="iris", max_tokens=64, users_per_target=2,
                       spawn_rate=100.0, warmup=0.0, duration=3.0, ignore_eos=True)
    summary = runner.execute(config, tmp_path)
    assert all(t["errors"] == 0 for t in summary["targets"].values()), summary["targets"]
    s = samples_io.read_samples(tmp_path / SAMPLES_FILE)["baseline"]
    wanted = np.array([payloads[i]["max_tokens"] for i in s.payload])
    assert len(s) > 20 and np.array_equal(s.tokens, wanted)  # each request generated its own length
