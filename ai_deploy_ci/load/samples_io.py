"""The merged sample file (`samples.frames`): one table per target, read once per gate.

Version 2 is columnar (`frames.py`): a `run` frame (t0, duration, dropped requests, the
string tables: error kinds, output texts) then one `target` frame per target with columns

    t latency_ms ok status nbytes error ttft_ms tokens itl_offsets itl_ms payload output_code

`t` is seconds since the measured window's start; `error` and `output_code` index the run
frame's `errors` and `outputs` (-1: no output captured), so output codes are comparable
across targets exactly as `Samples.output_code` is. Reading copies each column once from the
file into its array; there is no per-row Python work except turning codes back into the
`error`/`output` lists the tables carry.

Version 1 files (`samples.jsonl.gz`, gzip'd JSON lines) still read (`samples_legacy`).
`read_samples` is the judge's entry point; the gate's own run hands over the tables it has
just merged (`remember`), so a gate reads its samples once, not twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.load import frames
from ai_deploy_ci.load.samples_legacy import is_legacy, read_samples_v1
from ai_deploy_ci.load.samples_legacy import read_header as read_header_v1
from ai_deploy_ci.samples import TARGETS, OutputBook, Samples

__all__ = ["FORMAT", "read_header", "read_samples", "remember", "write_samples"]

FORMAT = "ai-deploy-ci-samples"
VERSION = 2
Columns = dict[str, npt.NDArray[Any]]


def to_samples(cols: Columns, errors: list[str], book: OutputBook, texts: list[str]) -> Samples:
    """A target's coded columns as the judge's table; `texts` is `book.texts` plus '' last, so
    code -1 (nothing captured) maps to ''."""
    error_codes = cols["error"].tolist()
    output_codes = cols["output_code"].astype(np.int64)
    return Samples(
        t=cols["t"], latency_ms=cols["latency_ms"], ok=cols["ok"].astype(np.bool_, copy=False),
        status=cols["status"].astype(np.int64), nbytes=cols["nbytes"].astype(np.int64, copy=False),
        error=list(map(errors.__getitem__, error_codes)), ttft_ms=cols["ttft_ms"],
        tokens=cols["tokens"].astype(np.int64), itl_ms=cols["itl_ms"],
        itl_offsets=cols["itl_offsets"].astype(np.int64, copy=False),
        payload=cols["payload"].astype(np.int64, copy=False),
        output=list(map(texts.__getitem__, output_codes.tolist())), output_code=output_codes, book=book,
    )


def book_of(texts: list[str]) -> OutputBook:
    book = OutputBook()
    book.texts = list(texts)
    book.codes = {"": -1, **{t: i for i, t in enumerate(texts)}}
    return book


def coded_columns(s: Samples, errors: dict[str, int], book: OutputBook) -> Columns:
    """A table as the file's columns, adding its error kinds and outputs to the shared tables."""
    for e in dict.fromkeys(s.error):
        errors.setdefault(e, len(errors))
    codes = book.encode(s.output) if s.book is not book or s.output_code is None else s.output_code
    return {
        "t": s.t, "latency_ms": s.latency_ms, "ok": s.ok, "status": s.status.astype(np.int32),
        "nbytes": s.nbytes, "error": np.fromiter(map(errors.__getitem__, s.error), np.int32, len(s)),
        "ttft_ms": s.ttft_ms, "tokens": s.tokens.astype(np.int32), "itl_offsets": s.itl_offsets,
        "itl_ms": s.itl_ms, "payload": s.payload, "output_code": codes.astype(np.int32),
    }


def write_file(path: Path, run: Mapping[str, Any], tables: Mapping[str, Columns], errors: list[str],
               outputs: list[str]) -> None:
    """The version-2 file: the run frame, then one frame per target (written to a temporary
    name and renamed, so a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    meta = {"format": FORMAT, "version": VERSION, "kind": "run", **run, "targets": list(tables),
            "errors": errors, "outputs": outputs}
    with open(tmp, "wb") as fh:
        frames.write(fh, meta, {})
        for target, cols in tables.items():
            frames.write(fh, {"kind": "target", "target": target, "rows": int(cols["t"].size)}, cols)
    tmp.replace(path)


def write_samples(path: Path | str, samples: Mapping[str, Samples], *, t0: float = 0.0,
                  **run: Any) -> None:
    """Write tables (synthetic ones in tests, a re-cut run) as a version-2 file."""
    books = {id(s.book) for s in samples.values() if s.book is not None and s.output_code is not None}
    first = next((s.book for s in samples.values() if s.book is not None), None)
    book = first if len(books) == 1 and first is not None else OutputBook()
    errors: dict[str, int] = {}
    cols = {t: coded_columns(s, errors, book) for t, s in samples.items()}
    write_file(Path(path), {"t0": t0, **run}, cols, list(errors), list(book.texts))


_handoff: tuple[tuple[str, int, int], dict[str, Samples]] | None = None


def _key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


def remember(path: Path, tables: dict[str, Samples]) -> None:
    """Keep the tables just written to `path` for the next `read_samples(path)` (one use): the
    gate judges the tables its load run merged instead of reading them back."""
    global _handoff
    _handoff = (_key(path), tables)


def read_samples(path: Path | str) -> dict[str, Samples]:
    """The merged file as one table per target ("baseline", "candidate" always present), with
    output codes from one book shared by the targets (baseline's texts coded first).
    Reads version 2 and version 1 files (told apart by their first bytes)."""
    global _handoff
    path = Path(path)
    if _handoff is not None and _handoff[0] == _key(path):
        tables, _handoff = _handoff[1], None
        return tables
    if is_legacy(path):
        return read_samples_v1(path)
    it = frames.iter_file(path)
    run = next(it, None)
    if run is None or run.meta.get("kind") != "run":
        raise ValueError(f"{path}: no run frame at the start")
    outputs: list[str] = run.meta.get("outputs", [])
    book, texts = book_of(outputs), [*outputs, ""]
    errors: list[str] = run.meta.get("errors", [])
    out = {t: empty(book) for t in TARGETS}
    for frame in it:
        out[str(frame.meta["target"])] = to_samples(frame.columns, errors, book, texts)
    return out


def read_header(path: Path | str) -> dict[str, Any]:
    """The run's meta: t0 (epoch seconds of the window's start), duration, dropped, …"""
    path = Path(path)
    if is_legacy(path):
        return read_header_v1(path)
    run = next(frames.iter_file(path), None)
    meta = dict(run.meta) if run is not None else {}
    meta.pop("outputs", None)
    return meta


def empty(book: OutputBook | None = None) -> Samples:
    f, i = np.zeros(0), np.zeros(0, np.int64)
    return Samples(t=f, latency_ms=f, ok=np.zeros(0, np.bool_), status=i, nbytes=i, error=[], ttft_ms=f,
                   tokens=i, itl_ms=f, itl_offsets=np.zeros(1, np.int64), payload=i, output=[],
                   output_code=i, book=book)
