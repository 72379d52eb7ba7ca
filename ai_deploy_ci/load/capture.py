"""Turning one Locust request event into one raw-sample row, and appending rows to a file.

Kept apart from `plugin.py` so the rules (error kinds, what counts as a streaming sample, which
part of a response is compared) are unit-tested without importing Locust; and light (no numpy)
because the Locust process imports it. The row layout is `samples_io.COLUMNS`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ai_deploy_ci.analysis.agreement import canonical, extract

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


def make_row(event: Mapping[str, Any], path: list[str | int], now: float) -> list[Any] | None:
    """The sample row for a request event, or None for requests of classes we did not wrap.

    Runs once per request inside Locust, so the common case (a plain, successful request of
    a user that records no payload) takes a short path: about 2 µs.
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
    if not output and payload >= 0 and exception is None and response is not None:
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


def append_rows(path: Path, rows: Sequence[Row]) -> None:
    """Append one gzip member holding one line: the JSON array of these rows.

    One `json.dumps` over the whole batch costs a quarter of one call per row; gzip level 1
    is cheap; gzip readers concatenate members. `samples_io.iter_rows` reads both layouts.
    """
    if not rows:
        return
    text = json.dumps(list(rows), separators=(",", ":")) + "\n"
    with open(path, "ab") as fh:
        fh.write(gzip.compress(text.encode("utf-8"), compresslevel=1))
