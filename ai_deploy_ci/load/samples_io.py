"""File formats of raw samples: per-process files written inside Locust, one merged file after.

Format (both kinds): gzip'd JSON lines. The merged `samples.jsonl.gz` starts with a header
object, then one compact array per request, in `COLUMNS` order:

    {"format": "ai-deploy-ci-samples", "version": 1, "columns": [...], "t0": 1763771234.5, ...}
    ["baseline", 0.0123, 41.7, 1, 200, 57, "", null, 0, [], 3, "{\"label\":\"pos\"}"]

Arrays instead of objects keep the file about three times smaller. Per-process files
(`samples-<pid>.jsonl.gz`) are appended to in gzip members, one line per flush holding a JSON
array of rows (one `json.dumps` per batch costs a quarter of one per row); their `t` is
absolute (epoch seconds, Locust's `start_time`). The merge rebases `t` on the measured
window's start, drops requests outside the window and sorts by time, as the judge expects.

Reading assigns output codes (`Samples.output_code`) from one `OutputBook` per file, shared by
its targets; the codes are not stored, so files of any version-1 writer read the same.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ai_deploy_ci.load.capture import Row, append_rows
from ai_deploy_ci.samples import TARGETS, OutputBook, Samples

__all__ = ["COLUMNS", "append_rows", "iter_rows", "merge_process_files", "read_samples", "write_samples"]

FORMAT = "ai-deploy-ci-samples"
VERSION = 1
COLUMNS = (
    "target",
    "t",
    "latency_ms",
    "ok",
    "status",
    "nbytes",
    "error",
    "ttft_ms",
    "tokens",
    "itl_ms",
    "payload",
    "output",
)


def iter_rows(path: Path) -> Iterator[Row]:
    """Rows of a per-process file (a batch of rows per line) or of the merged file (a row per
    line); the header (an object) is skipped."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("[["):
                yield from json.loads(line)
            elif line.startswith("["):
                yield json.loads(line)


def read_header(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        first = fh.readline()
    return json.loads(first) if first.startswith("{") else {}


def merge_process_files(
    files: Iterable[Path], out: Path, *, t0: float, warmup: float, duration: float
) -> dict[str, int]:
    """Merge per-process files into `out`; return requests kept per target and dropped.

    t0 is the run's start (epoch seconds). Only requests that *started* inside the measured
    window [t0 + warmup, t0 + warmup + duration) are kept: warm-up requests, and those started
    while Locust was stopping, would bias both the rate and the latency.
    """
    start = t0 + warmup
    end = start + duration
    kept: list[Row] = []
    dropped = 0
    for f in files:
        for row in iter_rows(f):
            if not start <= row[1] < end:
                dropped += 1
                continue
            row[1] = round(row[1] - start, 6)
            kept.append(row)
    kept.sort(key=lambda r: r[1])
    header = {
        "format": FORMAT,
        "version": VERSION,
        "columns": list(COLUMNS),
        "t0": start,
        "duration": duration,
        "dropped": dropped,
    }
    write_rows(out, kept, header)
    counts = {t: 0 for t in TARGETS}
    for r in kept:
        counts[r[0]] = counts.get(r[0], 0) + 1
    counts["dropped"] = dropped
    return counts


def write_rows(out: Path, rows: Sequence[Row], header: dict[str, Any]) -> None:
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write(json.dumps(header) + "\n")
        for r in rows:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")


def read_samples(path: Path | str) -> dict[str, Samples]:
    """The merged file as one `Samples` table per target ("baseline", "candidate" always present),
    with output codes from one book shared by the targets (baseline's texts coded first)."""
    by_target: dict[str, list[Row]] = {t: [] for t in TARGETS}
    for row in iter_rows(Path(path)):
        by_target.setdefault(row[0], []).append(row)
    book = OutputBook()
    return {t: rows_to_samples(rows, book) for t, rows in by_target.items()}


def rows_to_samples(rows: Sequence[Row], book: OutputBook | None = None) -> Samples:
    """Rows of one target as a table; outputs are coded with `book` (a new one unless given)."""
    rows = sorted(rows, key=lambda r: r[1])
    book = book if book is not None else OutputBook()
    output = [r[11] for r in rows]
    n = len(rows)
    itl: list[float] = []
    offsets = np.zeros(n + 1, dtype=np.int64)
    for i, r in enumerate(rows):
        itl.extend(r[9])
        offsets[i + 1] = len(itl)
    return Samples(
        t=np.array([r[1] for r in rows], dtype=np.float64),
        latency_ms=np.array([r[2] for r in rows], dtype=np.float64),
        ok=np.array([bool(r[3]) for r in rows], dtype=np.bool_),
        status=np.array([r[4] for r in rows], dtype=np.int64),
        nbytes=np.array([r[5] for r in rows], dtype=np.int64),
        error=[r[6] for r in rows],
        ttft_ms=np.array([math.nan if r[7] is None else r[7] for r in rows], dtype=np.float64),
        tokens=np.array([r[8] for r in rows], dtype=np.int64),
        itl_ms=np.array(itl, dtype=np.float64),
        itl_offsets=offsets,
        payload=np.array([r[10] for r in rows], dtype=np.int64),
        output=output,
        output_code=book.encode(output),
        book=book,
    )


def samples_to_rows(target: str, s: Samples) -> list[Row]:
    rows: list[Row] = []
    for i in range(len(s)):
        ttft = float(s.ttft_ms[i])
        itl = s.itl_ms[s.itl_offsets[i] : s.itl_offsets[i + 1]]
        rows.append(
            [
                target,
                float(s.t[i]),
                float(s.latency_ms[i]),
                int(bool(s.ok[i])),
                int(s.status[i]),
                int(s.nbytes[i]),
                s.error[i],
                None if math.isnan(ttft) else ttft,
                int(s.tokens[i]),
                [float(x) for x in itl],
                int(s.payload[i]),
                s.output[i],
            ]
        )
    return rows


def write_samples(path: Path | str, samples: dict[str, Samples], *, t0: float = 0.0) -> None:
    """Write tables (e.g. synthetic ones in tests, or a re-cut run) in the merged format."""
    rows = [r for target, s in samples.items() for r in samples_to_rows(target, s)]
    rows.sort(key=lambda r: r[1])
    write_rows(Path(path), rows, {"format": FORMAT, "version": VERSION, "columns": list(COLUMNS), "t0": t0})
