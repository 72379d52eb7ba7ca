"""Reading a samples file someone handed us (`analyze DIR`): bounded and checked.

`samples_io.read_samples` trusts its input (it reads what our own load step wrote a moment ago).
A user's or an earlier job's file may be anything: a FIFO or a device, a 14 MB gzip that
inflates to 3 GB, broken JSON lines, a row `[]`, frames whose column table points past the
frame, another tool's file, nothing at all. Only a regular file is read. A columnar file
(`samples.frames`, version 2) has every frame's prefix, meta and column table checked before a
byte of data is read (numeric dtypes only, columns inside their frame, no torn tail); a
version-1 `samples.jsonl.gz` has its decompressed bytes counted as they are read (never trusted
from a header), its header must name our format, and every row must have the 12 columns with
the right types. An empty file is unreadable input (exit 2), not a regression (exit 4). Errors
name the file (and the line, or the byte).
"""

from __future__ import annotations

import json
import math
import os
import stat
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ai_deploy_ci.errors import InputError, Location
from ai_deploy_ci.load import frames, samples_io
from ai_deploy_ci.load.samples_legacy import COLUMNS, FORMAT, VERSION, is_legacy, rows_to_samples
from ai_deploy_ci.samples import TARGETS, OutputBook, Samples
from ai_deploy_ci.spec.bounded import read_bounded

MAX_COMPRESSED = 1 << 30
MAX_INFLATED = int(os.environ.get("AI_DEPLOY_CI_MAX_SAMPLES_BYTES") or 256 << 20)  # ~2.5M requests
FIX = "re-run the load test (`ai-deploy-ci load-test`) to produce the file"
_NUM = (int, float)


MAX_FRAMES_BYTES = int(os.environ.get("AI_DEPLOY_CI_MAX_SAMPLES_BYTES") or 4 << 30)
_MAX_META = 64 << 20
_DTYPE_KINDS = frozenset("biuf")  # numbers only: an object dtype would be code, not data


def read_samples_checked(path: Path) -> dict[str, Samples]:
    """Like `samples_io.read_samples`, but every bound and check of the module docstring holds."""
    where = Location(str(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(f"cannot read samples: {exc.strerror}", fix=FIX, location=where) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file (a directory, FIFO or device?)", fix=FIX, location=where)
    if st.st_size == 0:
        raise InputError("no samples: the file is empty", fix=FIX, location=where)
    if is_legacy(path):
        return _read_v1(path)
    if not frames.is_frames(path):
        raise InputError("neither a columnar samples.frames file nor a gzip-compressed version-1 "
                         "samples.jsonl.gz", fix=FIX, location=where)
    if st.st_size > MAX_FRAMES_BYTES:
        raise InputError(f"{st.st_size} bytes, over {MAX_FRAMES_BYTES}", location=where,
                         fix="set AI_DEPLOY_CI_MAX_SAMPLES_BYTES if the run was that long")
    _check_frames(path, st.st_size)
    try:
        tables = samples_io.read_samples(path)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(f"not a samples file we can read: {exc}", fix=FIX, location=where) from None
    if not any(len(s) for s in tables.values()):
        raise InputError("no samples: a run frame but no requests", fix=FIX, location=where)
    return tables


def _check_frames(path: Path, size: int) -> None:
    """Walk the frames' prefixes and metas (never their data): each must be whole and its column
    table must describe numeric columns inside the frame's body."""
    where = Location(str(path))
    with open(path, "rb") as fh:
        pos = 0
        while pos < size:
            prefix = fh.read(frames._PREFIX.size)
            if len(prefix) < frames._PREFIX.size:
                raise InputError(f"truncated frame at byte {pos}", fix=FIX, location=where)
            magic, version, head_len, body_len = frames._PREFIX.unpack(prefix)
            end = pos + frames._PREFIX.size + head_len + body_len
            if magic != frames.MAGIC or version != frames.VERSION or head_len > _MAX_META or end > size:
                raise InputError(f"a damaged or foreign frame at byte {pos}", fix=FIX, location=where)
            try:
                meta = json.loads(fh.read(head_len))
                specs = meta["columns"]
                for name, dtype, count, offset in specs:
                    dt = np.dtype(dtype)
                    if not isinstance(name, str) or dt.kind not in _DTYPE_KINDS or dt.hasobject:
                        raise ValueError(f"column {name!r} has dtype {dtype!r}")
                    if int(count) < 0 or int(offset) < 0 or int(offset) + int(count) * dt.itemsize > body_len:
                        raise ValueError(f"column {name!r} lies outside its frame")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise InputError(f"frame at byte {pos}: {str(exc)[:120]}", fix=FIX, location=where) from None
            fh.seek(body_len, 1)
            pos = end


def _read_v1(path: Path) -> dict[str, Samples]:
    text = _inflate(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError("no samples: the file is empty", fix=FIX, location=Location(str(path)))
    _header(path, lines[0])
    by_target: dict[str, list[list[Any]]] = {t: [] for t in TARGETS}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        row = _row(path, number, line)
        by_target.setdefault(row[0], []).append(row)
    if not any(by_target.values()):
        raise InputError("no samples: a header but no requests", fix=FIX, location=Location(str(path)))
    book = OutputBook()
    return {t: rows_to_samples(rows, book) for t, rows in by_target.items()}


def _inflate(path: Path) -> str:
    raw = read_bounded(path, MAX_COMPRESSED, what="samples.jsonl.gz")
    where = Location(str(path))
    out = bytearray()
    try:
        while raw:  # one gzip member per turn: the per-process files append members
            d = zlib.decompressobj(wbits=31)
            out += d.decompress(raw, MAX_INFLATED + 1 - len(out))  # never 0 (= unlimited) here
            while d.unconsumed_tail and len(out) <= MAX_INFLATED:
                out += d.decompress(d.unconsumed_tail, MAX_INFLATED + 1 - len(out))
            if len(out) > MAX_INFLATED:
                raise InputError(f"inflates beyond {MAX_INFLATED} bytes (a gzip bomb, or a far longer run?)",
                                 fix="set AI_DEPLOY_CI_MAX_SAMPLES_BYTES if the run was that long",
                                 location=where)
            if not d.eof:
                raise InputError("truncated gzip file", fix=FIX, location=where)
            raw = d.unused_data
    except zlib.error as exc:
        raise InputError(f"not a gzip file: {exc}", fix=FIX, location=where) from None
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", fix=FIX, location=where) from None


def _header(path: Path, line: str) -> None:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise InputError(f"line 1 is not a {FORMAT} version {VERSION} header", fix=FIX,
                         location=Location(str(path), 1))
    if header.get("columns") not in (None, list(COLUMNS)):
        raise InputError(f"line 1: columns {header.get('columns')!r} differ from {list(COLUMNS)}", fix=FIX,
                         location=Location(str(path), 1))


def _row(path: Path, number: int, line: str) -> list[Any]:
    def bad(why: str) -> InputError:
        return InputError(f"line {number}: {why}", fix=FIX, location=Location(str(path), number))

    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise bad(f"not JSON ({str(exc)[:80]})") from None
    if not isinstance(row, list) or len(row) != len(COLUMNS):
        raise bad(f"expected a row of {len(COLUMNS)} columns ({', '.join(COLUMNS)})")
    target, t, latency, ok, status, nbytes, error, ttft, tokens, itl, payload, output = row
    checks = (
        (isinstance(target, str), "target is not a string"),
        (_finite(t) and _finite(latency), "t and latency_ms must be finite numbers"),
        (isinstance(ok, (bool, int)), "ok must be 0/1"),
        (_int(status) and _int(nbytes) and _int(tokens) and _int(payload), "status, nbytes, tokens, "
                                                                             "payload must be integers"),
        (error is None or isinstance(error, str), "error must be a string"),
        (ttft is None or _finite(ttft), "ttft_ms must be a number or null"),
        (isinstance(itl, list) and all(_finite(x) for x in itl), "itl_ms must be a list of numbers"),
        (output is None or isinstance(output, str), "output must be a string or null"),
    )
    for good, why in checks:
        if not good:
            raise bad(why)
    return row


def _finite(x: Any) -> bool:
    return isinstance(x, _NUM) and not isinstance(x, bool) and math.isfinite(x)


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and -(2**62) < x < 2**62
