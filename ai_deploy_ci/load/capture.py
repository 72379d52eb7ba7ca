"""Turning one Locust request event into one raw-sample row, and a batch of rows into a frame.

Kept apart from `plugin.py` so the rules (error kinds, what counts as a streaming sample, which
part of a response is compared) are unit-tested without importing Locust. A row is a short
list (layout `ROW`), the cheapest thing to build per request; every few seconds a batch of
rows becomes one columnar frame (`frames.py`), appended to the process's file or, on a
Locust worker, sent to the master.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.analysis.agreement import canonical, extract
from ai_deploy_ci.load import frames

ROW = ("target", "t", "latency_ms", "ok", "status", "nbytes", "error", "ttft_ms", "tokens", "itl_ms",
       "payload", "output")

# keys our wrapper and built-in users put into Locust's per-request `context`
TARGET_KEY = "adc_target"
PAYLOAD_KEY = "adc_payload"
OUTPUT_KEY = "adc_output"
TTFT_KEY = "adc_ttft_ms"
ITL_KEY = "adc_itl_ms"
TOKENS_KEY = "adc_tokens"
# failure() messages of the streaming users that name their own error kind before the colon
STREAM_KINDS = frozenset({"stream-error", "no-tokens", "finish-reason"})


def error_kind(exception: BaseException | None, status: int) -> str:
    """A short, stable error label: 'http-503', 'timeout', 'connection' or 'check'.

    'check' is a request whose HTTP exchange worked but which the user class failed
    (catch_response + failure(), e.g. a malformed body). A streaming user's failure message that
    starts with one of STREAM_KINDS and a colon gets that kind: 'stream-error' (an error event
    in the stream), 'no-tokens', 'finish-reason' (missing or abnormal).
    """
    if exception is None:
        return ""
    if status >= 400:
        return f"http-{status}"
    if (head := str(exception).split(":", 1)[0]) in STREAM_KINDS:
        return head
    text = f"{type(exception).__name__} {exception}".lower()
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if status == 0:
        return "connection"
    return "check"


def output_of(text: str | None, path: list[str | int]) -> str:
    """Canonical JSON of the compared part of a body; '' when the body is not JSON."""
    if not text:
        return ""
    try:
        return canonical(extract(json.loads(text), path))
    except ValueError:
        return ""


def make_row(event: Mapping[str, Any], path: list[str | int] | None, now: float) -> list[Any] | None:
    """The sample row for a request event, or None for requests of classes we did not wrap.

    Runs once per request inside Locust, so the common case (a plain, successful request of
    a user that records no payload) takes a short path: about 2 µs. `path` None: no metric
    compares outputs (no agreement metric), so the body is never decoded or parsed.
    """
    context: Mapping[str, Any] = event.get("context") or {}
    target = context.get(TARGET_KEY)
    if target is None:
        return None
    response = event.get("response")
    exception = event.get("exception")
    status = getattr(response, "status_code", 0) or 0
    latency = event.get("response_time") or 0.0
    start = event.get("start_time")
    if start is None:  # a manually fired event: Locust convention is 'fired at completion'
        start = now - latency / 1000.0
    length = event.get("response_length") or 0
    if exception is None and len(context) == 1:
        return [target, round(start, 6), round(latency, 4), 1, status, length, "", None, 0, [], -1, ""]
    payload = int(context.get(PAYLOAD_KEY, -1))
    output = context.get(OUTPUT_KEY, "")
    if not output and path is not None and payload >= 0 and exception is None and response is not None:
        try:
            output = output_of(response.text, path)
        except Exception:  # a body that cannot be decoded is not worth failing the run
            output = ""
    ttft = context.get(TTFT_KEY)
    itl = context.get(ITL_KEY) or []
    return [target, round(start, 6), round(latency, 4), 0 if exception is not None else 1, int(status),
            int(length), error_kind(exception, int(status)), None if ttft is None else float(ttft),
            int(context.get(TOKENS_KEY, 0)), [round(float(x), 4) for x in itl], payload, output]


Row = list[Any]
Columns = dict[str, npt.NDArray[Any]]


def _codes(values: Sequence[str]) -> tuple[list[str], npt.NDArray[np.int32]]:
    """Dictionary encoding: (distinct texts, code per value); the per-value work runs in C."""
    texts = list(dict.fromkeys(values))
    index = {t: i for i, t in enumerate(texts)}
    return texts, np.fromiter(map(index.__getitem__, values), np.int32, len(values))


def rows_to_frame(rows: Sequence[Row]) -> tuple[dict[str, Any], Columns]:
    """A batch of rows as one frame's (meta, columns): strings dictionary-encoded in the meta."""
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in ROW]
    n = len(rows)
    targets, target = _codes(cols[0])
    errors, error = _codes(cols[6])
    outputs, output = _codes(cols[11])
    itl = cols[9]
    meta = {"kind": "batch", "rows": n, "targets": targets, "errors": errors, "outputs": outputs}
    columns: Columns = {
        "target": target.astype(np.int8) if len(targets) < 128 else target,
        "t": np.array(cols[1], np.float64),
        "latency_ms": np.array(cols[2], np.float64),
        "ok": np.array(cols[3], np.bool_),
        "status": np.array(cols[4], np.int32),
        "nbytes": np.array(cols[5], np.int64),
        "error": error,
        "ttft_ms": np.array(cols[7], np.float64) if n else np.zeros(0),  # None → NaN
        "tokens": np.array(cols[8], np.int32),
        "itl_count": np.fromiter(map(len, itl), np.int32, n),
        "itl_ms": np.fromiter(itertools.chain.from_iterable(itl), np.float64),
        "payload": np.array(cols[10], np.int64),
        "output": output,
    }
    return meta, columns


def append_rows(path: Path, rows: Sequence[Row], **meta: Any) -> int:
    """Append one frame holding these rows (plus `meta` in its header); returns bytes written.

    Appending whole frames keeps a file readable up to the last complete flush if the process
    is killed mid-write (the reader skips a torn tail).
    """
    if not rows:
        return 0
    head, columns = rows_to_frame(rows)
    data = frames.encode({**head, **meta}, columns)
    with open(path, "ab") as fh:
        fh.write(data)
    return len(data)
