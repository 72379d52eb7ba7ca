"""Version 1 of the sample files (gzip'd JSON lines), still read so old results can be judged.

The merged `samples.jsonl.gz` starts with a header object, then one compact array per request
in `COLUMNS` order; per-process `samples-<pid>.jsonl.gz` files hold gzip members of batches
(`[[row], [row], …]` per line). Every row is parsed by Python's `json`: about 10 µs per row,
which is why version 2 (`frames.py`) replaced it. `write_samples_v1` exists for tests that
check old files still read.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ai_deploy_ci.load.capture import Row
from ai_deploy_ci.samples import TARGETS, OutputBook, Samples

FORMAT = "ai-deploy-ci-samples"
VERSION = 1
COLUMNS = ("target", "t", "latency_ms", "ok", "status", "nbytes", "error", "ttft_ms", "tokens", "itl_ms",
           "payload", "output")


def is_legacy(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


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


def read_samples_v1(path: Path) -> dict[str, Samples]:
    by_target: dict[str, list[Row]] = {t: [] for t in TARGETS}
    for row in iter_rows(path):
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
        rows.append([target, float(s.t[i]), float(s.latency_ms[i]), int(bool(s.ok[i])), int(s.status[i]),
                     int(s.nbytes[i]), s.error[i], None if math.isnan(ttft) else ttft, int(s.tokens[i]),
                     [float(x) for x in itl], int(s.payload[i]), s.output[i]])
    return rows


def write_samples_v1(path: Path, samples: dict[str, Samples], *, t0: float = 0.0) -> None:
    """A version-1 merged file, as releases before version 2 wrote it."""
    rows = [r for target, s in samples.items() for r in samples_to_rows(target, s)]
    rows.sort(key=lambda r: r[1])
    header = {"format": FORMAT, "version": VERSION, "columns": list(COLUMNS), "t0": t0}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write(json.dumps(header) + "\n")
        for r in rows:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")
