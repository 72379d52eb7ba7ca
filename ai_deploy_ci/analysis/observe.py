"""From raw samples to what each metric type is judged on: per-block levels or per-block counts.

Levels (latency, ttft, itl, tokensPerSecond, throughput) are compared as per-block log-ratios;
counts (errorRate, agreement) as proportions with an interval on counts, because the ratio of
two small rates is noise (model.py). The overall values shown to people are computed on all
analysed requests, not averaged over blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.analysis import blocks as bl
from ai_deploy_ci.analysis.blocks import FloatArray, IntArray, Layout
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import Metric

UNITS = {"latency": "ms", "ttft": "ms", "itl": "ms", "tokensPerSecond": "tokens/s",
         "throughput": "req/s", "errorRate": "ratio", "agreement": "ratio"}
LEVEL_TYPES = frozenset({"latency", "ttft", "itl", "tokensPerSecond", "throughput"})
HIGHER_IS_BETTER = frozenset({"throughput", "tokensPerSecond", "agreement"})


@dataclass(frozen=True)
class Level:
    """One statistic per block and target (NaN: undefined block), plus the overall values."""

    base_blocks: FloatArray
    cand_blocks: FloatArray
    baseline: float | None
    candidate: float | None
    statistic: str  # "p95 latency", "mean ttft", ...


@dataclass(frozen=True)
class Counts:
    """Hits and totals per block and target (errors of requests; agreeing answers of answered)."""

    base_hits: IntArray
    base_total: IntArray
    cand_hits: IntArray
    cand_total: IntArray
    statistic: str

    @staticmethod
    def rate(hits: IntArray, total: IntArray) -> float | None:
        n = int(total.sum())
        return int(hits.sum()) / n if n else None


def reorder(s: Samples) -> Samples:
    """The table in start-time order (a copy only when it was not)."""
    perm = bl.time_order(s)
    if perm is None:
        return s
    lengths = np.diff(s.itl_offsets)[perm]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    starts = np.repeat(s.itl_offsets[:-1][perm], lengths)
    gather = starts + (np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], lengths))
    return Samples(t=s.t[perm], latency_ms=s.latency_ms[perm], ok=s.ok[perm], status=s.status[perm],
                   nbytes=s.nbytes[perm], error=[s.error[i] for i in perm], ttft_ms=s.ttft_ms[perm],
                   tokens=s.tokens[perm], itl_ms=s.itl_ms[gather], itl_offsets=offsets,
                   payload=s.payload[perm], output=[s.output[i] for i in perm])


def _level_of(metric: Metric, s: Samples, lay: Layout) -> tuple[FloatArray, float | None, str]:
    b = lay.index(s.t)
    inside = bl.in_blocks(b, lay.count)
    kind = metric.type
    if kind == "throughput":
        ok = bl.block_counts(s.ok, b, lay.count)
        # +0.5: a block with no successful request is a real (terrible) value, not a missing one
        overall = float(ok.sum()) / lay.elapsed if lay.count else None
        return (ok + 0.5) / lay.length, overall, "successful req/s"
    q = metric.quantile if metric.quantile is not None else (0.95 if kind == "latency" else None)
    if kind == "itl":
        lengths = np.diff(s.itl_offsets)
        keep = np.repeat(s.ok & inside, lengths)
        values, vb = s.itl_ms[keep], np.repeat(b, lengths)[keep]
    else:
        if kind == "latency":
            values = s.latency_ms
        elif kind == "ttft":
            values = s.ttft_ms
        else:  # tokensPerSecond: output tokens per second of each streamed request
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(s.tokens > 0, s.tokens / (s.latency_ms / 1000.0), np.nan)
        keep = s.ok & inside
        values, vb = values[keep], b[keep]
    reduce = bl.quantile_reducer(q) if q is not None else bl.mean_reducer
    per = bl.per_block(values, vb, lay.count, reduce)
    finite = values[np.isfinite(values)]
    overall = (float(np.quantile(finite, q)) if q is not None else float(finite.mean())) if finite.size else None
    label = f"p{100 * q:g} {kind}" if q is not None else f"mean {kind}"
    return per, overall, label


def level(metric: Metric, base: Samples, cand: Samples, lay: Layout) -> Level:
    bb, bo, label = _level_of(metric, base, lay)
    cb, co, _ = _level_of(metric, cand, lay)
    return Level(bb, cb, bo, co, label)


def error_counts(base: Samples, cand: Samples, lay: Layout) -> Counts:
    out = []
    for s in (base, cand):
        b = lay.index(s.t)
        out += [bl.block_counts(~s.ok, b, lay.count), bl.block_counts(np.ones(len(s), bool), b, lay.count)]
    return Counts(out[0], out[1], out[2], out[3], "error rate")


def _reference(payload: IntArray, codes: IntArray, usable: npt.NDArray[np.bool_]) -> dict[int, int]:
    """Most common output code per payload index among usable requests (the baseline's answer)."""
    keys = np.stack([payload[usable], codes[usable]], axis=1)
    if keys.size == 0:
        return {}
    pairs, counts = np.unique(keys, axis=0, return_counts=True)
    order = np.lexsort((-counts, pairs[:, 0]))
    ref: dict[int, int] = {}
    for p, c in pairs[order]:
        ref.setdefault(int(p), int(c))
    return ref


def agreement_counts(base: Samples, cand: Samples, lay: Layout) -> Counts:
    """Candidate: answers equal to the baseline's usual answer for the same payload.

    Baseline: its own answers equal to that usual answer (its self-consistency), the reference
    a candidate cannot be expected to beat when the model samples.
    """
    book: dict[str, int] = {"": -1}  # one code book for both targets; '' (not captured) is -1
    codes = [np.fromiter((book.setdefault(o, len(book) - 1) for o in s.output), np.int64, len(s))
             if any(s.output) else np.full(len(s), -1, np.int64) for s in (base, cand)]
    usable_b = base.ok & (codes[0] >= 0) & (base.payload >= 0)
    ref = _reference(base.payload, codes[0], usable_b)
    table = np.full(max(ref, default=-1) + 1, -2, np.int64)
    for p, c in ref.items():
        table[p] = c
    out = []
    for s, code in zip((base, cand), codes, strict=True):
        b = lay.index(s.t)
        known = (s.payload >= 0) & (s.payload < table.size)
        expected = np.full(len(s), -2, np.int64)
        expected[known] = table[s.payload[known]]
        answered = s.ok & (code >= 0) & (expected >= 0)
        out += [bl.block_counts(answered & (code == expected), b, lay.count), bl.block_counts(answered, b, lay.count)]
    return Counts(out[0], out[1], out[2], out[3], "agreement")
