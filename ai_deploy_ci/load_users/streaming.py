"""The streaming request shared by the OpenAI users: time every token as it arrives.

Locust's FastHttpUser with `stream=True` stops its clock at the response headers; we read the
SSE stream line by line (geventhttpclient's `readline` returns as soon as a line is complete,
unlike `read(n)`, which waits for n bytes), stamp each text event, then report the request
once with the full latency and the token timings in its context for the plugin.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ai_deploy_ci.analysis.agreement import canonical
from ai_deploy_ci.load.capture import ITL_KEY, OUTPUT_KEY, PAYLOAD_KEY, TOKENS_KEY, TTFT_KEY
from ai_deploy_ci.load_users import wire
from ai_deploy_ci.load_users.base import _CONFIG, InferenceUser

CAPTURE_OUTPUT = _CONFIG is None or _CONFIG.capture_output


def stream_request(user: InferenceUser, path: str, body: dict[str, Any], index: int,
                   text_of: Callable[[dict[str, Any]], str]) -> None:
    """One streamed request; `body` is already complete (wire.openai_body sets stream and usage)."""
    start = time.perf_counter()
    with user.client.post(path, json=body, name=path, stream=True, catch_response=True,
                          headers=user.request_headers or None, context={PAYLOAD_KEY: index}) as resp:
        raw = getattr(resp, "_response", None)
        if raw is None or not 200 <= (resp.status_code or 0) < 300:
            return  # Locust marks it failed from the status or the connection error
        tally = wire.StreamTally(text_of)
        try:
            while True:
                line = raw.readline(b"\n")
                if not line:
                    break
                event = wire.parse_line(line)
                if event == wire.DONE:
                    break
                if isinstance(event, dict):
                    tally.feed(event, time.perf_counter())
        except Exception as exc:
            resp.failure(f"stream broken: {type(exc).__name__}: {exc}")
            return
        ttft, gaps, latency = wire.token_timing(start, tally.stamps, time.perf_counter())
        resp.request_meta["response_time"] = latency
        resp.request_meta["response_length"] = sum(len(p) for p in tally.pieces)
        ctx = resp.request_meta["context"]
        ctx.update({TTFT_KEY: ttft, ITL_KEY: gaps, TOKENS_KEY: tally.tokens})
        if CAPTURE_OUTPUT:  # only an agreement comparison needs the joined, canonical text
            ctx[OUTPUT_KEY] = canonical("".join(tally.pieces))
        if (reason := tally.failure()) is None:
            resp.success()
        else:
            resp.failure(reason)
