"""PromQL against a real Prometheus scraping two real sample model servers (v1 baseline, v2 slower).

One module-scoped setup (servers, a small request loop, Prometheus with a 1 s scrape) serves
every test, so the whole file costs one ~10 s wait for data. Everything is killed at teardown.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from ai_deploy_ci.analysis.judge import judge
from ai_deploy_ci.analysis.sources.base import MetricSourceError, NoData, Values, render, variables_for
from ai_deploy_ci.analysis.sources.prometheus import PrometheusSource
from ai_deploy_ci.local.model_server.process import ModelServerProcess, start_model_server_process
from ai_deploy_ci.spec.model import AnalysisSpec, Metric, Prometheus, Slo
from tests.support.fixtures_prometheus import PrometheusProcess, free_port, start_prometheus

P95 = (
    "histogram_quantile(0.95, sum by (le) (rate("
    'model_server_request_duration_seconds_bucket{model_version="$version"}[30s])))'
)
CONTEXT = {"baseline_version": "v1", "candidate_version": "v2", "namespace": "default", "name": "demo"}


def _drive(urls: list[str], stop: threading.Event) -> None:
    session = requests.Session()
    while not stop.is_set():
        for url in urls:
            with contextlib.suppress(requests.RequestException):
                session.post(f"{url}/predict", json={"text": "great movie"}, timeout=2)
        stop.wait(0.02)


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusProcess]:
    servers: list[ModelServerProcess] = []
    stop = threading.Event()
    handle: PrometheusProcess | None = None
    try:
        servers.append(start_model_server_process(port=0, model_version="v1"))
        servers.append(start_model_server_process(port=0, model_version="v2", extra_latency_ms=60.0))
        loop = threading.Thread(target=_drive, args=([s.url for s in servers], stop), daemon=True)
        loop.start()
        handle = start_prometheus(
            [s.url.split("//", 1)[1] for s in servers], Path(tmp_path_factory.mktemp("prom"))
        )
        for version in ("v1", "v2"):
            handle.wait_for(render(P95, {"version": version}), timeout=20.0)
        yield handle
    finally:
        stop.set()
        if handle is not None:
            handle.stop()
        for s in servers:
            s.stop()


def test_instant_query_templated_per_version(prom: PrometheusProcess) -> None:
    source = PrometheusSource(prom.url, timeout=5)
    got = {t: source.query(render(P95, variables_for(t, CONTEXT))) for t in ("baseline", "candidate")}
    assert isinstance(got["baseline"], Values) and isinstance(got["candidate"], Values)
    assert got["candidate"].mean > got["baseline"].mean + 0.03  # +60 ms, seen through the histogram


def test_range_query_returns_a_series(prom: PrometheusProcess) -> None:
    deadline = time.monotonic() + 15.0  # the series grows one point per scrape (1 s)
    while True:
        result = PrometheusSource(prom.url).query(render(P95, {"version": "v2"}), range_seconds=6, step=1)
        if (isinstance(result, Values) and len(result.values) >= 3) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    assert isinstance(result, Values) and len(result.values) >= 3


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(render(P95, {"version": "does-not-exist"}), id="histogram-quantile-of-nothing"),
        pytest.param(
            'sum(rate(model_server_request_duration_seconds_count{model_version="nope"}[30s]))',
            id="sum-of-nothing-is-not-zero",
        ),
    ],
)
def test_no_data_is_its_own_outcome(prom: PrometheusProcess, query: str) -> None:
    assert isinstance(PrometheusSource(prom.url).query(query), NoData)


def test_bad_query_is_a_clear_error(prom: PrometheusProcess) -> None:
    with pytest.raises(MetricSourceError, match=r"rejected the query.*bad_data"):
        PrometheusSource(prom.url).query("sum(rate(model_server_request_duration_seconds_count[30s])")


def test_several_series_is_a_clear_error(prom: PrometheusProcess) -> None:
    with pytest.raises(MetricSourceError, match="series"):
        PrometheusSource(prom.url).query("model_server_requests_in_flight")


def test_unreachable_prometheus_is_a_clear_error() -> None:
    with pytest.raises(MetricSourceError, match="cannot reach Prometheus"):
        PrometheusSource(f"http://127.0.0.1:{free_port()}", timeout=2).query("up")


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        pytest.param(Metric("p95", "prometheus", slo=Slo(max=5.0)), "PASS", id="slo-met"),
        pytest.param(Metric("p95", "prometheus", slo=Slo(max=0.05)), "FAIL", id="slo-broken-by-60ms"),
        pytest.param(
            Metric("p95", "prometheus", max_increase=0.10, critical=True), "FAIL", id="margin-vs-baseline"
        ),
    ],
)
def test_judge_with_prometheus_metric(prom: PrometheusProcess, metric: Metric, expected: str) -> None:
    from dataclasses import replace

    m = replace(metric, prometheus=Prometheus(prom.url, P95))
    spec = AnalysisSpec(metrics=(m,), block_length=10.0, min_duration=30.0)
    v = judge(spec, {}, context=CONTEXT, elapsed=60.0, final=False)
    assert v["checks"][0]["verdict"] == expected, v["checks"][0]["reason"]
    assert 'model_version="v2"' in v["checks"][0]["source"]


def test_fixture_scrapes_a_model_server(
    prometheus_factory: Callable[[list[str]], PrometheusProcess],
    model_server_factory: Callable[..., ModelServerProcess],
) -> None:
    """The pytest fixture others use: a fresh Prometheus scraping one server, `up` == 1 within 20 s."""
    server = model_server_factory(model_version="v9")
    handle = prometheus_factory([server.url.split("//", 1)[1]])
    result = handle.wait_for('up{job="models"} == 1', timeout=20.0)
    assert len(result) == 1
    assert isinstance(PrometheusSource(handle.url).query('sum(up{job="models"})'), Values)
