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
from ai_deploy_ci.analysis.blocks import Cut, FloatArray, IntArray, Layout
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import Metric

UNITS = {
    "latency": "ms",
    "ttft": "ms",
    "itl": "ms",
    "tokensPerSecond": "tokens/s",
    "throughput": "req/s",
    "errorRate": "ratio",
    "agreement": "ratio",
}
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
    example: str | None = None  # one disagreeing answer, so a person sees what differs

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
    return Samples(
        t=s.t[perm],
        latency_ms=s.latency_ms[perm],
        ok=s.ok[perm],
        status=s.status[perm],
        nbytes=s.nbytes[perm],
        error=[s.error[i] for i in perm],
        ttft_ms=s.ttft_ms[perm],
        tokens=s.tokens[perm],
        itl_ms=s.itl_ms[gather],
        itl_offsets=offsets,
        payload=s.payload[perm],
        output=[s.output[i] for i in perm],
    )


def _gap_keep(s: Samples) -> npt.NDArray[np.bool_]:
    """Finite inter-token gaps of successful requests, touching only the failed requests' gaps."""
    keep = np.isfinite(s.itl_ms)
    bad = np.nonzero(~s.ok)[0]
    starts = s.itl_offsets[bad]
    lengths = s.itl_offsets[bad + 1] - starts
    total = int(lengths.sum())
    if total:
        first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        keep[np.repeat(starts - first, lengths) + np.arange(total)] = False
    return keep


def _column(kind: str, cut: Cut) -> tuple[FloatArray, npt.NDArray[np.bool_], IntArray]:
    """(values, keep, block bounds into values) for a level metric; cached per cut."""
    key = f"{kind}:values"
    s = cut.samples
    if key not in cut.cache:
        if kind == "itl":
            values, keep = s.itl_ms, _gap_keep(s)
        else:
            if kind == "latency":
                values = s.latency_ms
            elif kind == "ttft":
                values = s.ttft_ms
            else:  # tokensPerSecond: output tokens per second of each streamed request
                streamed = s.tokens > 0
                values = np.full(len(s), np.nan)
                np.divide(s.tokens * 1000.0, s.latency_ms, out=values, where=streamed)
            keep = s.ok & np.isfinite(values)
        cut.cache[key] = values
        cut.cache[f"{kind}:keep"] = keep
    bounds = s.itl_offsets[cut.bounds] if kind == "itl" else cut.bounds
    return cut.cache[key], cut.cache[f"{kind}:keep"], bounds


def _level_of(metric: Metric, cut: Cut, lay: Layout) -> tuple[FloatArray, float | None, str]:
    kind = metric.type
    if kind == "throughput":
        ok = bl.block_counts(cut.samples.ok, cut.bounds)
        # +0.5: a block with no successful request is a real (terrible) value, not a missing one
        overall = float(ok.sum()) / lay.elapsed if lay.count else None
        return ((ok + 0.5) / lay.length).astype(np.float64), overall, "successful req/s"
    q = metric.quantile if metric.quantile is not None else (0.95 if kind == "latency" else None)
    values, keep, bounds = _column(kind, cut)
    if q is None:
        per, overall = bl.block_means(values, keep, bounds)
    else:
        key = f"{kind}:sorted"
        if key not in cut.blocks:  # p95 and p99 of one column share one sort per block
            cut.blocks[key] = bl.sorted_blocks(values, keep, bounds)
        runs = cut.blocks[key]
        per = np.array(
            [bl.quantile_sorted(b, q) if b.size >= bl.MIN_REQUESTS_PER_BLOCK else np.nan for b in runs],
            dtype=np.float64,
        )
        overall = bl.quantile_of_runs(runs, q)
    label = f"p{100 * q:g} {kind}" if q is not None else f"mean {kind}"
    return per, overall, label


def level(metric: Metric, base: Cut, cand: Cut, lay: Layout) -> Level:
    bb, bo, label = _level_of(metric, base, lay)
    cb, co, _ = _level_of(metric, cand, lay)
    return Level(bb, cb, bo, co, label)


def error_counts(base: Cut, cand: Cut) -> Counts:
    out = []
    for c in (base, cand):
        out += [bl.block_counts(~c.samples.ok, c.bounds), np.diff(c.bounds)]
    return Counts(out[0], out[1], out[2], out[3], "error rate")


def _codes(outputs: list[str], book: dict[str, int]) -> IntArray:
    """Integer code per output text from a shared book ('' → -1); dict/map run at C speed."""
    for text in dict.fromkeys(outputs):
        book.setdefault(text, len(book) - 1)
    return np.fromiter(map(book.__getitem__, outputs), np.int64, len(outputs))


def _reference(payload: IntArray, codes: IntArray, usable: npt.NDArray[np.bool_]) -> IntArray:
    """Most common output code per payload index among usable requests (-2: none), by bincount."""
    p, c = payload[usable], codes[usable]
    if p.size == 0:
        return np.zeros(0, np.int64)
    width = int(c.max()) + 1
    counts = np.bincount(p * width + c, minlength=(int(p.max()) + 1) * width).reshape(-1, width)
    return np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -2).astype(np.int64)


def agreement_counts(base: Cut, cand: Cut) -> Counts:
    """Candidate: answers equal to the baseline's usual answer for the same payload.

    Baseline: its own answers equal to that usual answer (its self-consistency), the reference
    a candidate cannot be expected to beat when the model samples.
    """
    book: dict[str, int] = {"": -1}
    codes = [_codes(c.samples.output, book) for c in (base, cand)]
    bs = base.samples
    table = _reference(bs.payload, codes[0], bs.ok & (codes[0] >= 0) & (bs.payload >= 0))
    out = []
    example = None
    for c, code in zip((base, cand), codes, strict=True):
        s = c.samples
        known = (s.payload >= 0) & (s.payload < table.size)
        expected = np.full(len(s), -2, np.int64)
        expected[known] = table[s.payload[known]]
        answered = s.ok & (code >= 0) & (expected >= 0)
        agree = answered & (code == expected)
        out += [bl.block_counts(agree, c.bounds), bl.block_counts(answered, c.bounds)]
        if c is cand:
            example = _example(s, answered & ~agree, expected, book, c.bounds)
    return Counts(out[0], out[1], out[2], out[3], "agreement", example)


def _example(
    s: Samples,
    differs: npt.NDArray[np.bool_],
    expected: IntArray,
    book: dict[str, int],
    bounds: IntArray,
    width: int = 100,
) -> str | None:
    """'payload 3: baseline {…} vs candidate {…}' for the first disagreeing analysed answer."""
    lo, hi = int(bounds[0]), int(bounds[-1])
    hits = np.flatnonzero(differs[lo:hi])
    if hits.size == 0:
        return None
    i = lo + int(hits[0])
    text = {code: t for t, code in book.items()}
    base_text, cand_text = text[int(expected[i])][:width], s.output[i][:width]
    return f"payload {int(s.payload[i])}: baseline {base_text} vs candidate {cand_text}"
