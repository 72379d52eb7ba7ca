"""Build `Samples` tables for analysis tests: explicit per-block values, no randomness unless asked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ai_deploy_ci.samples import Samples


def table(
    latency_ms: Sequence[float] | np.ndarray,
    t: Sequence[float] | np.ndarray,
    *,
    ok: Sequence[bool] | np.ndarray | None = None,
    outputs: Sequence[str] | None = None,
    payload: Sequence[int] | np.ndarray | None = None,
    tokens: int = 0,
) -> Samples:
    lat = np.asarray(latency_ms, dtype=np.float64)
    n = lat.size
    okv = np.ones(n, bool) if ok is None else np.asarray(ok, bool)
    itl_per = 3 if tokens else 0
    return Samples(
        t=np.asarray(t, dtype=np.float64),
        latency_ms=lat,
        ok=okv,
        status=np.where(okv, 200, 503).astype(np.int64),
        nbytes=np.full(n, 100, np.int64),
        error=["" if o else "http-503" for o in okv],
        ttft_ms=lat * 0.25 if tokens else np.full(n, np.nan),
        tokens=np.full(n, tokens, np.int64),
        itl_ms=np.repeat(lat * 0.25, itl_per),
        itl_offsets=np.arange(n + 1, dtype=np.int64) * itl_per,
        payload=np.asarray(payload if payload is not None else np.full(n, -1), np.int64),
        output=list(outputs) if outputs is not None else [""] * n,
    )


def blocks_table(per_block: Sequence[Sequence[float]], block_s: float = 10.0, **kw: object) -> Samples:
    """One block per inner sequence: its requests spread evenly over the block."""
    lat: list[float] = []
    t: list[float] = []
    for k, values in enumerate(per_block):
        m = len(values)
        lat.extend(values)
        t.extend(k * block_s + (i + 0.5) * block_s / m for i in range(m))
    return table(lat, t, **kw)  # type: ignore[arg-type]


def lognormal_run(
    rng: np.random.Generator,
    blocks: int,
    *,
    scale: float = 100.0,
    per_block: int = 200,
    block_s: float = 10.0,
    error_rate: float = 0.0,
    tokens: int = 0,
) -> Samples:
    n = blocks * per_block
    t = np.sort(rng.uniform(0, blocks * block_s, n))
    t[-1] = blocks * block_s - 1e-3
    lat = scale * np.exp(rng.normal(0, 0.3, n))
    return table(lat, t, ok=rng.random(n) >= error_rate, tokens=tokens)


def canary_deploy(analysis_duration: str, sections: str) -> str:
    """A deploy.yaml canary of the sample model server with these `load:` and `analysis:` sections.

    The analysis tests differ only in how long they load and what they judge; the rest is here once.
    """
    steps = f"[{{setWeight: 20}}, {{analysis: {{duration: {analysis_duration}}}}}, {{setWeight: 100}}]"
    head = f"""\
apiVersion: ai-deploy-ci/v1
kind: ModelDeployment
metadata: {{name: demo, namespace: default}}
server: {{image: ai-deploy-ci/sample-model-server:latest, version: v2, port: 8080}}
strategy:
  type: canary
  canary: {{steps: {steps}}}
trafficRouter: {{type: gatewayAPI, hosts: [demo.local]}}
"""
    return head + sections
