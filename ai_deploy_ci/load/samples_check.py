"""Reading a `samples.jsonl.gz` someone handed us (`analyze DIR`): bounded and checked.

`samples_io.read_samples` trusts its input (it reads what our own load step wrote a moment ago).
A user's or an earlier job's file may be anything: a 14 MB gzip that inflates to 3 GB, broken
JSON lines, a row `[]`, another tool's file, nothing at all. Here the decompressed bytes are
counted as they are read (never trusted from a header), the header must name our format, every
row must have the 12 columns with the right types, and an empty file is unreadable input
(exit 2), not a regression (exit 4). Errors name the file and the line.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from pathlib import Path
from typing import Any

from ai_deploy_ci.errors import InputError, Location
from ai_deploy_ci.load.samples_io import COLUMNS, FORMAT, VERSION, rows_to_samples
from ai_deploy_ci.samples import TARGETS, OutputBook, Samples
from ai_deploy_ci.spec.bounded import read_bounded

MAX_COMPRESSED = 1 << 30
MAX_INFLATED = int(os.environ.get("AI_DEPLOY_CI_MAX_SAMPLES_BYTES") or 256 << 20)  # ~2.5M requests
FIX = "re-run the load test (`ai-deploy-ci load-test`) to produce the file"
_NUM = (int, float)


def read_samples_checked(path: Path) -> dict[str, Samples]:
    """Like `samples_io.read_samples`, but every bound and check of the module docstring holds."""
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
