"""Per-process sample frames → one time-ordered table per target, in numpy, column by column.

Every Locust process (or, in distributed mode, the master on behalf of each worker) appends
batch frames (`capture.rows_to_frame`): absolute start times and per-batch string tables.
The merge remaps each batch's strings to run-wide codes, keeps the requests that *started*
inside the measured window [t0 + warmup, t0 + warmup + duration), rebases `t` on the window's
start and sorts each target by time (a stable sort: batches are nearly sorted already). It
works one column at a time, so its peak memory is the samples once plus one column, not the
four Python copies of version 1. Output codes are renumbered in order of first appearance,
baseline first, as `OutputBook` would assign them reading the targets in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.load import capture, frames, samples_io
from ai_deploy_ci.load.samples_legacy import is_legacy, iter_rows
from ai_deploy_ci.samples import TARGETS, Samples

Columns = dict[str, npt.NDArray[Any]]
_PLAIN = ("latency_ms", "ok", "status", "nbytes", "ttft_ms", "tokens", "payload")


@dataclass
class Merged:
    """The tables of one run and what the merge saw on the way."""

    tables: dict[str, Samples]
    t0: float  # epoch seconds of the measured window's start
    dropped: int  # requests outside the window
    torn_bytes: int = 0  # incomplete frames at the end of a file (a process killed mid-write)
    rows_by_file: dict[str, int] = field(default_factory=dict)
    coded: tuple[dict[str, Columns], list[str], list[str]] | None = None  # what `write` stores

    @property
    def counts(self) -> dict[str, int]:
        return {**{t: len(s) for t, s in self.tables.items()}, "dropped": self.dropped}


def batches(files: Iterable[Path], torn: list[int], rows_by_file: dict[str, int],
            only: frozenset[str] | None = None) -> Iterator[frames.Frame]:
    """Batch frames of every file (only some columns, if given); version-1 per-process files are
    converted on the way."""
    for path in files:
        n = 0
        if is_legacy(path):
            rows = list(iter_rows(path))
            meta, cols = capture.rows_to_frame(rows)
            yield frames.Frame(meta, cols if only is None else {k: v for k, v in cols.items() if k in only})
            n = len(rows)
        else:
            for frame in frames.iter_file(path, torn=torn, only=only):
                if frame.meta.get("kind") == "batch":
                    n += int(frame.meta.get("rows", 0))
                    yield frame
        rows_by_file[path.name] = n


class _Tables:
    """Run-wide string tables: target names, error kinds, output texts ('' is -1)."""

    def __init__(self) -> None:
        self.targets: dict[str, int] = {t: i for i, t in enumerate(TARGETS)}
        self.errors: dict[str, int] = {"": 0}
        self.outputs: dict[str, int] = {}

    @staticmethod
    def remap(table: dict[str, int], texts: list[str], codes: npt.NDArray[Any], empty: int | None = None
              ) -> npt.NDArray[np.int64]:
        lookup = np.array([empty if (t == "" and empty is not None) else table.setdefault(t, len(table))
                           for t in texts] or [0], np.int64)
        return lookup[codes]


def merge(files: Iterable[Path], *, t0: float | None, warmup: float, duration: float) -> Merged | None:
    """Merge per-process files; t0 None takes the earliest request start. None without rows."""
    files = list(files)
    torn: list[int] = []
    rows_by_file: dict[str, int] = {}
    tables = _Tables()
    parts: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("target", "t", "error", "output")}
    first = frozenset(("target", "t", "error", "output"))
    for b in batches(files, torn, rows_by_file, first):  # pass 1: what orders and codes the rows
        c, m = b.columns, b.meta
        parts["target"].append(tables.remap(tables.targets, m["targets"], c["target"]).astype(np.int32))
        parts["error"].append(tables.remap(tables.errors, m["errors"], c["error"]).astype(np.int32))
        coded = tables.remap(tables.outputs, m["outputs"], c["output"], empty=-1)
        parts["output"].append(coded.astype(np.int32))
        parts["t"].append(c["t"])

    def column(name: str) -> npt.NDArray[Any]:  # later passes: one column of every batch
        if name in parts:
            return _concat(parts.pop(name))
        return _concat([b.columns[name] for b in batches(files, [], {}, frozenset((name,)))])

    full = {k: column(k) for k in ("t", "target")}
    if full["t"].size == 0:
        return None
    start = (float(full["t"].min()) if t0 is None else t0) + warmup
    keep = (full["t"] >= start) & (full["t"] < start + duration)
    orders = {name: _order(full["t"], keep & (full["target"] == code))
              for name, code in tables.targets.items()}
    orders = {k: v for k, v in orders.items() if k in TARGETS or v.size}
    cols: dict[str, Columns] = {t: {"t": np.round(full["t"][o] - start, 6)} for t, o in orders.items()}
    del full
    for k in [*_PLAIN, "error", "output", "itl_count"]:
        col = column(k)
        if k == "itl_count":  # where each row's gaps start in the concatenated gaps, before reordering
            starts = np.cumsum(col, dtype=np.int64) - col
            for t, o in orders.items():
                cols[t]["itl_start"] = starts[o]
        for t, o in orders.items():
            cols[t][k] = col[o]
    _gather_itl(cols, column("itl_ms"))
    outputs = _first_seen_order(cols, list(tables.outputs))
    errors = list(tables.errors)
    book = samples_io.book_of(outputs)
    texts = [*outputs, ""]
    tables_out = {}
    for t, c in cols.items():
        c["output_code"] = c.pop("output")
        s = tables_out[t] = samples_io.to_samples(c, errors, book, texts)
        # keep for writing only what the table does not hold already (narrowed again by `write`)
        assert s.output_code is not None
        c.update(status=s.status, tokens=s.tokens, output_code=s.output_code,
                 error=c["error"].astype(np.int32))
    return Merged(tables=tables_out,
                  t0=start, dropped=int(keep.size - keep.sum()), torn_bytes=sum(torn),
                  rows_by_file=rows_by_file, coded=(cols, errors, outputs))


def write(merged: Merged, out: Path, **run: Any) -> None:
    """Write the merged file from the coded columns the merge built (no re-encoding)."""
    assert merged.coded is not None
    wide, errors, outputs = merged.coded
    narrow = {"status": np.int32, "tokens": np.int32, "output_code": np.int32}
    cols = {t: {k: v.astype(narrow[k]) if k in narrow else v for k, v in c.items()} for t, c in wide.items()}
    samples_io.write_file(out, {"t0": merged.t0, "dropped": merged.dropped, **run}, cols, errors, outputs)


def _concat(arrays: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    return np.concatenate(arrays) if arrays else np.zeros(0)


def _order(t: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    idx = np.flatnonzero(mask)
    return idx[np.argsort(t[idx], kind="stable")]


def _gather_itl(cols: dict[str, Columns], itl: npt.NDArray[np.float64]) -> None:
    """Each target's inter-token gaps in its rows' new order, with offsets per row."""
    for c in cols.values():
        counts, starts = c.pop("itl_count").astype(np.int64), c.pop("itl_start")
        offsets = np.zeros(counts.size + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        c["itl_offsets"] = offsets
        total = int(offsets[-1])
        src = np.repeat(starts, counts) + (np.arange(total) - np.repeat(offsets[:-1], counts))
        c["itl_ms"] = itl[src] if total else np.zeros(0)


def _first_seen_order(cols: dict[str, Columns], texts: list[str]) -> list[str]:
    """Renumber output codes by first appearance (targets in order, each by time); the texts."""
    if not texts:
        return []
    allc = np.concatenate([c["output"] for c in cols.values()])
    valid = allc >= 0
    first = np.full(len(texts), allc.size, np.int64)
    np.minimum.at(first, allc[valid], np.flatnonzero(valid))
    seen = np.flatnonzero(first < allc.size)
    rank = seen[np.argsort(first[seen], kind="stable")]
    new = np.full(len(texts) + 1, -1, np.int64)  # the spare last slot: -1 stays -1
    new[rank] = np.arange(rank.size)
    for c in cols.values():
        c["output"] = new[c["output"]]
    return [texts[i] for i in rank.tolist()]
