"""Raw samples → summary.json figures, computed from every request (never Locust's rounded ones).

Pure: numpy only. Definitions (docs/load-testing.md has the mapping to vLLM and GenAI-Perf):
- latency quantiles: linear-interpolated quantiles of all requests' wall times, failed included,
  because a fast error is still what a user waited for;
- rps: requests started in the measured window / its length;
- TTFT: request start → first non-empty token; ITL: gaps between consecutive tokens after the
  first; TPOT: (latency − TTFT) / (tokens − 1) per request, then the mean;
- tokens_per_second: output tokens / latency per request, then the mean (the spec's metric);
- output_tokens_per_second: all successful requests' output tokens / the window (vLLM's and
  aiperf's "output token throughput"); tokens are the server's `usage` count when it sent one;
- goodput: successful requests per second that met every per-request SLO of `goodput_slos`
  (taken from the analysis metrics' `slo.max`); with none, the successful throughput. An `itl`
  SLO bounds the same statistic the judge computes, per request: its gaps' mean (`itl_mean_ms`)
  or the metric's quantile of its gaps (`itl_p95_ms`), so goodput and the judged `itl` agree.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from ai_deploy_ci.analysis.blocks import Cut
from ai_deploy_ci.analysis.observe import Counts, agreement_counts
from ai_deploy_ci.artifacts import Bucket, Quantiles, TargetSummary
from ai_deploy_ci.samples import FloatArray, Samples
from ai_deploy_ci.spec.model import Metric

QUANTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


def quantiles(values: FloatArray) -> Quantiles | None:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return None
    q = np.percentile(v, list(QUANTILES.values()))
    return Quantiles(p50=_r(q[0]), p90=_r(q[1]), p95=_r(q[2]), p99=_r(q[3]), max=_r(float(v.max())))


def _r(x: float) -> float:
    return round(float(x), 3)


def bucket_length(duration: float) -> float:
    """About 60 buckets per chart, whole seconds, at least one second."""
    return float(max(1, math.ceil(duration / 60.0)))


def timeline(s: Samples, duration: float, length: float) -> list[Bucket]:
    """Per-bucket figures; bucket b holds the requests with floor(t / length) == b. Tables are
    time-ordered (the merge sorts them), so each bucket is a slice found by binary search."""
    buckets: list[Bucket] = []
    n = max(1, math.ceil(duration / length)) if duration > 0 else 1
    ordered = s.t.size < 2 or bool(np.all(s.t[1:] >= s.t[:-1]))
    t = s.t if ordered else np.sort(s.t)
    perm = None if ordered else np.argsort(s.t, kind="stable")
    lat_all = s.latency_ms if perm is None else s.latency_ms[perm]
    bad_all = ~(s.ok if perm is None else s.ok[perm])
    bounds = np.searchsorted(np.floor(t / length), np.arange(n + 1), side="left")
    for b in range(n):
        lo, hi = int(bounds[b]), int(bounds[b + 1])
        lat = lat_all[lo:hi]
        span = min(length, max(duration - b * length, 1e-9))
        if lat.size:
            p50, p95, p99 = (float(x) for x in np.percentile(lat, [50, 95, 99]))
        else:
            p50 = p95 = p99 = 0.0
        buckets.append(Bucket(t=b * length, requests=int(lat.size), errors=int(bad_all[lo:hi].sum()),
                              rps=_r(lat.size / span), p50=_r(p50), p95=_r(p95), p99=_r(p99)))
    return buckets


def tpot_ms(s: Samples) -> float | None:
    """Mean time per output token after the first; only requests with at least two tokens."""
    mask = (s.tokens > 1) & np.isfinite(s.ttft_ms) & s.ok
    if not mask.any():
        return None
    per = (s.latency_ms[mask] - s.ttft_ms[mask]) / (s.tokens[mask] - 1)
    return _r(float(per.mean()))


def tokens_per_second(s: Samples) -> float | None:
    mask = (s.tokens > 0) & s.ok & (s.latency_ms > 0)
    if not mask.any():
        return None
    return _r(float((s.tokens[mask] / (s.latency_ms[mask] / 1000.0)).mean()))


def output_tokens_per_second(s: Samples, duration: float) -> float | None:
    """Output tokens of the successful requests per second of the window; None when not streamed."""
    mask = s.ok & (s.tokens > 0)
    if not mask.any() or duration <= 0:
        return None
    return _r(float(s.tokens[mask].sum()) / duration)


def request_gaps(s: Samples, quantile: float | None) -> FloatArray:
    """Per request: the mean (quantile None) or linear-interpolated quantile of its inter-token
    gaps, as np.percentile would give on that request's gaps; NaN for requests without gaps."""
    counts = np.diff(s.itl_offsets)
    out = np.full(len(s), np.nan)
    has = counts > 0
    if not has.any():
        return out
    owner = np.repeat(np.arange(len(s)), counts)
    if quantile is None:
        out[has] = np.bincount(owner, weights=s.itl_ms, minlength=len(s))[has] / counts[has]
        return out
    ordered = s.itl_ms[np.lexsort((s.itl_ms, owner))]
    pos = quantile * (counts[has] - 1).astype(np.float64)
    lo, base = np.floor(pos).astype(np.int64), s.itl_offsets[:-1][has]
    hi = np.minimum(lo + 1, counts[has] - 1)
    frac = pos - lo
    out[has] = ordered[base + lo] * (1.0 - frac) + ordered[base + hi] * frac
    return out


def _itl_key(quantile: float | None) -> str:
    return "itl_mean_ms" if quantile is None else f"itl_p{quantile * 100:g}_ms"


def _itl_bounds(slos: Mapping[str, float]) -> list[tuple[float | None, float]]:
    """(quantile, max) of the `itl_*_ms` keywords: itl_mean_ms → None, itl_p95_ms → 0.95."""
    out: list[tuple[float | None, float]] = []
    for key, bound in slos.items():
        if key.startswith("itl_") and key.endswith("_ms"):
            mid = key[4:-3]
            out.append((None if mid == "mean" else float(mid[1:]) / 100.0, float(bound)))
    return out


def goodput(s: Samples, duration: float, *, latency_ms: float | None = None, ttft_ms: float | None = None,
            tpot_ms: float | None = None, **itl: float) -> float:
    """Successful requests per second that met every given SLO (vLLM `--goodput`, DistServe).

    A request without a TTFT (not streamed) fails a TTFT SLO; TPOT is per request, as in vLLM;
    `itl_mean_ms` / `itl_p95_ms` bound the mean / 95th percentile of each request's own gaps (a
    request with one token has no gap and meets them).
    """
    mask = s.ok.copy()
    for quantile, bound in _itl_bounds(itl):
        mask &= np.nan_to_num(request_gaps(s, quantile), nan=0.0) <= bound
    if latency_ms is not None:
        mask &= s.latency_ms <= latency_ms
    if ttft_ms is not None:
        mask &= np.nan_to_num(s.ttft_ms, nan=np.inf) <= ttft_ms
    if tpot_ms is not None:
        many = s.tokens > 1
        per = np.where(many, (s.latency_ms - np.nan_to_num(s.ttft_ms)) / np.maximum(s.tokens - 1, 1), 0.0)
        mask &= per <= tpot_ms
    return float(mask.sum()) / duration if duration > 0 else 0.0


# metric type → the per-request bound of `goodput` its `slo.max` becomes: the latency SLO bounds each
# request's latency and TTFT each request's TTFT, as vLLM's `--goodput e2el:/ttft:`; a quantile of
# those is not per request: a p95 ≤ 250 ms SLO counts each request within 250 ms as good (DistServe's
# SLO attainment). ITL is judged on gaps, so its SLO bounds each request's own gaps at the metric's
# statistic (mean: vLLM's `tpot:` when one token arrives per event; p95: the p95 of its gaps).
GOODPUT_SLO = {"latency": "latency_ms", "ttft": "ttft_ms"}


def goodput_slos(metrics: Iterable[Metric]) -> dict[str, float]:
    """The `goodput` keywords from the analysis metrics' `slo.max`; the tightest when several."""
    out: dict[str, float] = {}
    for metric in metrics:
        key = _itl_key(metric.quantile) if metric.type == "itl" else GOODPUT_SLO.get(metric.type)
        if key is None or metric.slo is None or metric.slo.max is None:
            continue
        out[key] = min(out.get(key, math.inf), float(metric.slo.max))
    return out


def summarize_target(s: Samples, *, url: str, duration: float, reference: Samples | None = None,
                     tolerance: float = 0.0, slos: Mapping[str, float] | None = None) -> TargetSummary:
    """One target's figures; `reference` (the baseline) adds the candidate's agreement, `slos`
    the per-request bounds of goodput (none: goodput is the successful throughput)."""
    errors = [s.error[i] or "unknown" for i in np.flatnonzero(~s.ok).tolist()]  # failures only: few
    lat = quantiles(s.latency_ms)
    out = TargetSummary(
        url=url, count=len(s), errors=len(errors), errors_by_kind=dict(Counter(errors).most_common()),
        rps=_r(len(s) / duration) if duration > 0 else 0.0,
        latency_ms=lat or Quantiles(p50=0.0, p90=0.0, p95=0.0, p99=0.0, max=0.0),
        timeline=timeline(s, duration, bucket_length(duration)),
        goodput=_r(goodput(s, duration, **dict(slos or {}))),
    )
    ttft = quantiles(s.ttft_ms[s.ok]) if len(s) else None
    if ttft is not None:
        out["ttft_ms"] = ttft
    itl = quantiles(s.itl_ms)
    if itl is not None:
        out["itl_ms"] = itl
    if (tp := tpot_ms(s)) is not None:
        out["tpot_ms"] = tp
    if (tps := tokens_per_second(s)) is not None:
        out["tokens_per_second"] = tps
    if (otps := output_tokens_per_second(s, duration)) is not None:
        out["output_tokens_per_second"] = otps
    if reference is not None and (agree := agreement(reference, s, tolerance)) is not None:
        out["agreement"] = round(agree, 6)
    return out


def agreement(baseline: Samples, candidate: Samples, tolerance: float = 0.0) -> float | None:
    """The candidate's agreement over the whole window, by the judge's own vectorised counting
    (`observe.agreement_counts` on one block each: the same definition as `agreement_rate`,
    without a Python loop over the requests); None when no input was answered by both."""
    cuts = [Cut(x, np.array([0, len(x)], np.int64)) for x in (baseline, candidate)]
    counts = agreement_counts(cuts[0], cuts[1], tolerance)
    return Counts.rate(counts.cand_hits, counts.cand_total)
