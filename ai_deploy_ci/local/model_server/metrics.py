"""Prometheus metrics of the sample model server, in a registry of its own.

A private `CollectorRegistry` (not the global default) lets several servers live in one test
process without "Duplicated timeseries" errors. Every series carries `model_version`, so PromQL
can split baseline from candidate even when both are scraped through one job.

Series (names are part of the contract with the analysis area's PromQL):
- `model_server_request_duration_seconds{endpoint,status,model_version}` histogram
- `model_server_requests_in_flight{model_version}` gauge
- `model_server_tokens_total{kind="prompt"|"completion",model_version}` counter
- `model_server_time_to_first_token_seconds{endpoint,model_version}` histogram
- `model_server_inter_token_latency_seconds{endpoint,model_version}` histogram
- `model_server_wrong_outputs_total{model_version}` counter (the WRONG_OUTPUT_RATE knob at work)
- `model_server_info{model_version,model_name}` info
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)

LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.5,
    5.0,
    10.0,
)
TOKEN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5)


class ServerMetrics:
    """The server's instruments; `labels()` children are cached per (endpoint, status)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, model_name: str, model_version: str):
        self.registry = CollectorRegistry(auto_describe=True)
        self.version = model_version
        r = self.registry
        self.latency = Histogram(
            "model_server_request_duration_seconds",
            "Request service time",
            ["endpoint", "status", "model_version"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "model_server_requests_in_flight", "Requests being served", ["model_version"], registry=r
        ).labels(model_version)
        self.tokens = Counter(
            "model_server_tokens", "Tokens read and generated", ["kind", "model_version"], registry=r
        )
        self.ttft = self._token_histogram("time_to_first_token_seconds", "Time to first streamed token")
        self.itl = self._token_histogram("inter_token_latency_seconds", "Time between streamed tokens")
        self.wrong = Counter(
            "model_server_wrong_outputs", "Predictions deliberately wrong", ["model_version"], registry=r
        ).labels(model_version)
        Info("model_server", "Model identity", registry=r).info(
            {"model_version": model_version, "model_name": model_name}
        )
        self._latency_children: dict[tuple[str, int], Histogram] = {}

    def _token_histogram(self, name: str, documentation: str) -> Histogram:
        """`model_server_<name>`: a streaming-latency histogram per (endpoint, model_version)."""
        labels = ["endpoint", "model_version"]
        return Histogram(
            f"model_server_{name}", documentation, labels, buckets=TOKEN_BUCKETS, registry=self.registry
        )

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        child = self._latency_children.get((endpoint, status))
        if child is None:
            child = self._latency_children[(endpoint, status)] = self.latency.labels(
                endpoint, str(status), self.version
            )
        child.observe(seconds)

    def count_tokens(self, prompt: int, completion: int) -> None:
        self.tokens.labels("prompt", self.version).inc(prompt)
        self.tokens.labels("completion", self.version).inc(completion)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
