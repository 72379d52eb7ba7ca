"""Prometheus as a metric source: PromQL over the HTTP API (`/api/v1/query`, `/query_range`).

One series is expected per query (aggregate with `sum`/`avg`/`histogram_quantile(… sum by (le) …)`):
several series would need a rule for which one counts, and guessing one is how a check
silently watches the wrong pod. An empty result or only NaN (e.g. `histogram_quantile` over
a window with no requests) is `NoData`. HTTP errors, Prometheus' own `"status": "error"`,
timeouts and connection failures raise `MetricSourceError` with what to fix.
"""

from __future__ import annotations

import math
import time
from typing import Any

import requests

from ai_deploy_ci.analysis.sources.base import MetricSourceError, NoData, QueryResult, Values


class PrometheusSource:
    """A `MetricSource` for one Prometheus server (`address` like http://prometheus:9090)."""

    def __init__(self, address: str, *, timeout: float = 10.0, session: requests.Session | None = None):
        self.address = address.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def query(
        self, query: str, *, range_seconds: float | None = None, step: float = 15.0, at: float | None = None
    ) -> QueryResult:
        end = time.time() if at is None else at
        params: dict[str, str | float]
        if range_seconds is None:
            path, params = "/api/v1/query", {"query": query, "time": end}
        else:
            path = "/api/v1/query_range"
            params = {"query": query, "start": end - range_seconds, "end": end, "step": step}
        params["timeout"] = f"{self.timeout:g}s"
        body = self._get(path, params, query)
        return parse_result(body.get("data") or {}, query)

    def _get(self, path: str, params: dict[str, str | float], query: str) -> dict[str, Any]:
        url = self.address + path
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as exc:
            raise MetricSourceError(
                f"Prometheus at {self.address} did not answer within {self.timeout:g} s",
                fix="check the address, or simplify the query",
            ) from exc
        except requests.RequestException as exc:
            raise MetricSourceError(
                f"cannot reach Prometheus at {self.address}: {type(exc).__name__}",
                fix="check analysis.metrics[].prometheus.address and that the runner can reach it",
            ) from exc
        try:
            body: dict[str, Any] = resp.json()
        except ValueError as exc:
            raise MetricSourceError(
                f"{url} answered HTTP {resp.status_code} without JSON: is this Prometheus?",
                fix="point prometheus.address at the server root, e.g. http://host:9090",
            ) from exc
        if resp.status_code != 200 or body.get("status") != "success":
            kind = body.get("errorType", f"HTTP {resp.status_code}")
            raise MetricSourceError(
                f"Prometheus rejected the query {query!r}: {kind}: {body.get('error', '')}",
                fix="try the query in the Prometheus UI and fix it in deploy.yaml",
            )
        return body


def _finite(raw: Any) -> float | None:
    try:
        v = float(raw)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def parse_result(data: dict[str, Any], query: str) -> QueryResult:
    """Values from a query's `data` (vector, matrix or scalar); NaN/Inf dropped."""
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "scalar":
        points: list[Any] = [result]
    elif kind in ("vector", "matrix"):
        series = result or []
        if not series:
            return NoData(query)
        if len(series) > 1:
            labels = ", ".join(str(s.get("metric", {})) for s in series[:3])
            raise MetricSourceError(
                f"query {query!r} returned {len(series)} series ({labels}…); one is needed",
                fix="aggregate it, e.g. sum(...) or avg(...) or sum by (le) (...)",
            )
        points = [series[0]["value"]] if kind == "vector" else list(series[0].get("values", []))
    else:
        raise MetricSourceError(f"query {query!r} returned an unsupported result type {kind!r}")
    values = tuple(v for v in (_finite(p[1]) for p in points if p) if v is not None)
    if not values:
        return NoData(query, "the query returned only NaN (no requests in the window?)")
    return Values(values, query)
