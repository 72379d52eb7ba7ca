"""Spec building and server scraping shared by the load e2e tests."""

from __future__ import annotations

import dataclasses
import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from prometheus_client.parser import text_string_to_metric_families

from ai_deploy_ci.artifacts import LoadSummary
from ai_deploy_ci.load.runner import run_load_test
from ai_deploy_ci.spec.model import (
    Agreement,
    AnalysisSpec,
    Load,
    Metadata,
    Protocol,
    Server,
    Spec,
    Strategy,
    TrafficRouter,
)

Factory = Callable[..., Any]  # the servers area's model_server_factory fixture

PAYLOADS: tuple[dict[str, object], ...] = ({"text": "great movie"}, {"text": "terrible plot"},
                                           {"text": "a fine film"}, {"text": "boring and long"})


def make_spec(protocol: Protocol = "json", **load: Any) -> Spec:
    base = Load(payloads=PAYLOADS, users=4, spawn_rate=100.0, warmup=1.0, duration=8.0,
                agreement=Agreement(json_path="$.predictions[0].label"))
    return Spec(
        metadata=Metadata(name="sentiment"),
        server=Server(image="ai-deploy-ci/sample-model-server:latest", version="v2", protocol=protocol,
                      model_name="iris"),
        strategy=Strategy(type="canary"),
        traffic_router=TrafficRouter(type="service"),
        load=dataclasses.replace(base, **load),
        analysis=AnalysisSpec(metrics=()),
    )


def run_against(spec: Spec, out: Path, url: str) -> LoadSummary:
    """Load one server as both targets (an A/A run)."""
    return run_load_test(spec, out, baseline_url=url, candidate_url=url, base_dir=out)


def status_counts(url: str, endpoint: str) -> dict[str, float]:
    """Requests the server itself counted per HTTP status for one endpoint (its /metrics)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "model_server_request_duration_seconds":
            continue
        for s in family.samples:
            if s.name.endswith("_count") and s.labels.get("endpoint") == endpoint:
                out[s.labels["status"]] = out.get(s.labels["status"], 0.0) + s.value
    return out


def sequential_p50(url: str, path: str, body: dict[str, object], n: int = 60) -> float:
    """Median latency (ms) of back-to-back requests on one keep-alive connection: the service
    time as an unloaded, minimal client sees it — the 'truth' the load generator must match."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    data = json.dumps(body).encode()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn.request("POST", path, body=data, headers={"content-type": "application/json"})
        conn.getresponse().read()
        times.append((time.perf_counter() - start) * 1000.0)
    conn.close()
    times.sort()
    return times[n // 2]
