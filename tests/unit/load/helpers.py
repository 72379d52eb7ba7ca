"""Build small `Samples` tables by hand for the pure-function tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ai_deploy_ci.samples import Samples


def make_samples(latency: Sequence[float], *, t: Sequence[float] | None = None,
                 ok: Sequence[bool] | None = None,
                 error: Sequence[str] | None = None, ttft: Sequence[float] | None = None,
                 tokens: Sequence[int] | None = None, itl: Sequence[Sequence[float]] | None = None,
                 payload: Sequence[int] | None = None, output: Sequence[str] | None = None) -> Samples:
    n = len(latency)
    oks = list(ok) if ok is not None else [True] * n
    gaps = list(itl) if itl is not None else [[] for _ in range(n)]
    offsets = np.zeros(n + 1, dtype=np.int64)
    for i, g in enumerate(gaps):
        offsets[i + 1] = offsets[i] + len(g)
    return Samples(
        t=np.asarray(t if t is not None else [i * 0.1 for i in range(n)], dtype=np.float64),
        latency_ms=np.asarray(latency, dtype=np.float64),
        ok=np.asarray(oks, dtype=np.bool_),
        status=np.asarray([200 if o else 503 for o in oks], dtype=np.int64),
        nbytes=np.full(n, 10, dtype=np.int64),
        error=list(error) if error is not None else ["" if o else "http-503" for o in oks],
        ttft_ms=np.asarray(ttft if ttft is not None else [math.nan] * n, dtype=np.float64),
        tokens=np.asarray(tokens if tokens is not None else [0] * n, dtype=np.int64),
        itl_ms=np.asarray([x for g in gaps for x in g], dtype=np.float64),
        itl_offsets=offsets,
        payload=np.asarray(payload if payload is not None else [-1] * n, dtype=np.int64),
        output=list(output) if output is not None else [""] * n,
    )
