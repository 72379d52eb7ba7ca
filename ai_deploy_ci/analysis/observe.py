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
from ai_deploy_ci.analysis.agreement import outputs_agree
from ai_deploy_ci.analysis.blocks import Cut, FloatArray, IntArray, Layout
from ai_deploy_ci.samples import OutputBook, Samples
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
        output_code=None if s.output_code is None else s.output_code[perm],
        book=s.book,
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
            keep = s.ok & np.isfinite(values) & (values > 0)  # quality.py counts the rest
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


def _codes(base: Samples, cand: Samples) -> tuple[IntArray, IntArray, OutputBook]:
    """Both targets' output codes in one book: the ones `read_samples` assigned when they share
    a book (an empty table fits any), else coded here (tables built by hand)."""
    book = base.book if base.book is not None else cand.book
    if book is not None and all(
        len(s) == 0 or (s.book is book and s.output_code is not None) for s in (base, cand)
    ):
        return _coded(base), _coded(cand), book
    book = OutputBook()
    return book.encode(base.output), book.encode(cand.output), book


def _coded(s: Samples) -> IntArray:
    return s.output_code if s.output_code is not None and len(s) else np.zeros(len(s), np.int64)


def _reference(payload: IntArray, codes: IntArray, usable: npt.NDArray[np.bool_]) -> IntArray:
    """Most common output code per payload index among usable requests (-2: none); ties go to
    the lowest code (the text seen first). A bincount table when payloads × codes is small, else
    counts of the distinct (payload, code) pairs (many distinct outputs, e.g. a regressor's)."""
    if not usable.any():
        return np.zeros(0, np.int64)
    width = int(codes.max()) + 1
    rows = int(payload.max()) + 1
    if rows * width <= max(4 * payload.size, 1 << 20):
        key = payload * width
        key += codes
        key[~usable] = rows * width  # one spare bin for the rest: no compacting copies
        counts = np.bincount(key, minlength=rows * width + 1)[:-1].reshape(rows, width)
        return np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -2).astype(np.int64)
    p, c = payload[usable], codes[usable]
    keys, n = np.unique(p * width + c, return_counts=True)  # sorted by payload, then code
    order = np.lexsort((-n, keys // width))  # stable: among equal counts the lowest code first
    ranked = keys[order]
    first = np.ones(ranked.size, bool)
    first[1:] = ranked[1:] // width != ranked[:-1] // width
    table = np.full(rows, -2, np.int64)
    table[ranked[first] // width] = ranked[first] % width
    return table


def _within_tolerance(
    expected: IntArray,
    code: IntArray,
    differs: npt.NDArray[np.bool_],
    book: OutputBook,
    tolerance: float,
    memo: dict[int, bool],
) -> npt.NDArray[np.bool_]:
    """Which differing answers still agree within `tolerance` (numbers only: `outputs_agree`).

    The text comparison runs once per distinct (expected, answer) code pair, memoised across
    targets; the pairs are few when the model is deterministic, so the rest stays vectorised.
    """
    if not differs.any():
        return differs
    width = len(book)
    none = width * width  # the key of rows that do not differ: its slot stays False
    keys = np.where(differs, expected * width + code, none)
    dense = none <= max(4 * differs.size, 1 << 20)  # a table over all pairs: no sort
    if dense:
        seen = np.zeros(none + 1, bool)
        seen[keys] = True
        seen[none] = False
        pairs = np.flatnonzero(seen)
    else:
        pairs = np.unique(keys[differs])
    for key in pairs.tolist():
        if key not in memo:
            memo[key] = outputs_agree(book.text(key // width), book.text(key % width), tolerance)
    within = pairs[np.fromiter((memo[key] for key in pairs.tolist()), bool, pairs.size)]
    if dense:
        table = np.zeros(none + 1, bool)
        table[within] = True
        return table[keys]
    return differs & np.isin(keys, within)  # many distinct outputs: sorted, not tabled


def agreement_counts(base: Cut, cand: Cut, tolerance: float = 0.0) -> Counts:
    """Candidate: answers equal to the baseline's usual answer for the same payload.

    Baseline: its own answers equal to that usual answer (its self-consistency), the reference
    a candidate cannot be expected to beat when the model samples. `tolerance` (load.agreement):
    numbers within it agree, for both targets; labels and strings must still be equal.
    """
    bcode, ccode, book = _codes(base.samples, cand.samples)
    bs = base.samples
    table = _reference(bs.payload, bcode, bs.ok & (bcode >= 0) & (bs.payload >= 0))
    top = max([table.size - 1] + [int(c.samples.payload.max()) for c in (base, cand) if len(c.samples)])
    lookup = np.full(top + 2, -2, np.int64)  # payload → expected code; unknown and -1 (the last) → -2
    lookup[: table.size] = table
    out = []
    example = None
    memo: dict[int, bool] = {}
    for c, codes in zip((base, cand), (bcode, ccode), strict=True):
        lo, hi = int(c.bounds[0]), int(c.bounds[-1])  # only the analysed blocks' requests count
        s = c.samples
        payload, code = s.payload[lo:hi], codes[lo:hi]
        if payload.size and int(payload.min()) >= -1:  # -1 wraps to the last entry (-2)
            expected = np.take(lookup, payload, mode="wrap")
        else:
            expected = lookup[np.maximum(payload, -1)]
        answered = s.ok[lo:hi] & (code >= 0) & (expected >= 0)
        agree = answered & (code == expected)
        if tolerance > 0:
            agree |= _within_tolerance(expected, code, answered & ~agree, book, tolerance, memo)
        bounds = c.bounds - lo
        out += [bl.block_counts(agree, bounds), bl.block_counts(answered, bounds)]
        if c is cand:
            example = _example(payload, answered & ~agree, expected, code, book)
    return Counts(out[0], out[1], out[2], out[3], "agreement", example)


def _example(
    payload: IntArray,
    differs: npt.NDArray[np.bool_],
    expected: IntArray,
    code: IntArray,
    book: OutputBook,
    width: int = 100,
) -> str | None:
    """'payload 3: baseline {…} vs candidate {…}' for the first disagreeing analysed answer."""
    i = int(np.argmax(differs)) if differs.size else 0  # the first True, or 0 when none
    if differs.size == 0 or not differs[i]:
        return None
    base_text, cand_text = book.text(int(expected[i]))[:width], book.text(int(code[i]))[:width]
    return f"payload {int(payload[i])}: baseline {base_text} vs candidate {cand_text}"
