"""The generator itself: saturation guard, the user's own locustfile, multi-process, open model."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ai_deploy_ci.artifacts import SAMPLES_FILE
from ai_deploy_ci.load.config import CPU_THRESHOLD_ENV
from ai_deploy_ci.load.runner import LoadTestFailed, run_load_test
from ai_deploy_ci.load.samples_io import read_header, read_samples
from tests.e2e.load.helpers import Factory, make_spec, run_against

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_cpu_warning_marks_the_run_saturated(model_server_factory: Factory, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    server = model_server_factory()
    monkeypatch.setenv(CPU_THRESHOLD_ENV, "0.01")  # any CPU use at all trips Locust's warning
    spec = make_spec(users=2, duration=5.0, warmup=0.0)
    summary = run_against(spec, tmp_path, server.url)
    assert summary["saturated"] is True
    assert any("saturated" in w for w in summary["warnings"])
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["saturated"] is True


def test_own_locustfile_gets_raw_samples(model_server_factory: Factory, tmp_path: Path) -> None:
    base = model_server_factory(extra_latency_ms=10.0)
    cand = model_server_factory(extra_latency_ms=20.0)
    (tmp_path / "my_users.py").write_text(textwrap.dedent('''
        from locust import HttpUser, between, task

        class Mine(HttpUser):  # requests-based HttpUser, its own context and wait time
            wait_time = between(0.001, 0.002)

            def context(self):
                return {"team": "nlp"}

            @task
            def predict(self):
                self.client.post("/predict", json={"text": "great movie"}, name="predict")
    '''))
    spec = make_spec(locustfile="my_users.py", users=2, duration=5.0)
    summary = run_load_test(spec, tmp_path / "out", baseline_url=base.url, candidate_url=cand.url,
                            base_dir=tmp_path)
    assert summary["user"] == "locustfile:my_users.py"
    b, c = summary["targets"]["baseline"], summary["targets"]["candidate"]
    assert b["count"] > 50 and c["count"] > 50 and b["errors"] == c["errors"] == 0
    assert 10.0 <= b["latency_ms"]["p50"] < 14.0 and 20.0 <= c["latency_ms"]["p50"] < 24.0
    assert "agreement" not in c  # the user's class records no payload index


def test_two_processes_merge_samples_from_both(model_server_factory: Factory, tmp_path: Path) -> None:
    base = model_server_factory(extra_latency_ms=20.0)
    cand = model_server_factory(extra_latency_ms=20.0)
    spec = make_spec(users=4, processes=2, duration=6.0)
    summary = run_load_test(spec, tmp_path, baseline_url=base.url, candidate_url=cand.url, base_dir=tmp_path)
    metas = [json.loads(p.read_text()) for p in (tmp_path / "raw").glob("meta-*.json")]
    workers = [m for m in metas if m["role"] == "worker"]
    assert len(workers) == 2 and all(m["rows"] > 50 for m in workers)
    assert [m["role"] for m in metas].count("master") == 1
    total = sum(m["rows"] for m in workers)
    dropped = read_header(tmp_path / SAMPLES_FILE)["dropped"]
    counts = [summary["targets"][t]["count"] for t in ("baseline", "candidate")]
    assert sum(counts) + dropped == total  # every worker's every sample is in the merge or cut by the window
    assert abs(counts[0] - counts[1]) <= 0.1 * counts[0]  # each worker loads both targets
    assert summary["processes"] == 2


def test_open_model_does_not_wait_for_responses(model_server_factory: Factory, tmp_path: Path) -> None:
    server = model_server_factory(extra_latency_ms=200.0)
    # one dispatcher per target; closed-loop it could do at most 5/s against a 200 ms server
    spec = make_spec(model="open", arrival_rate=30.0, arrival="constant", duration=6.0, warmup=1.0)
    summary = run_against(spec, tmp_path, server.url)
    for target in ("baseline", "candidate"):
        t = summary["targets"][target]
        assert abs(t["rps"] - 30.0) <= 3.0, t["rps"]
        assert t["errors"] == 0 and 200.0 <= t["latency_ms"]["p50"] < 210.0
    assert summary["load_model"] == "open: constant 30/s per target"
    samples = read_samples(tmp_path / SAMPLES_FILE)["baseline"]
    assert set(samples.payload.tolist()) == {0, 1, 2, 3}  # payloads rotate in open mode too


def test_broken_locustfile_is_a_user_error_with_locusts_reason(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(textwrap.dedent('''
        from locust import HttpUser, task

        class A(HttpUser):
            @task
            def t(self): pass

        class B(HttpUser):
            @task
            def t(self): pass
    '''))
    spec = make_spec(locustfile="two.py", duration=2.0)
    with pytest.raises(LoadTestFailed, match="found A, B; name one as FILE:Class"):
        run_load_test(spec, tmp_path / "out", baseline_url="http://127.0.0.1:9", candidate_url="http://127.0.0.1:9",
                      base_dir=tmp_path)
