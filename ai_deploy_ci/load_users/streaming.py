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
    body = {**body, "stream": True}
    start = time.perf_counter()
    with user.client.post(path, json=body, name=path, stream=True, catch_response=True,
                          context={PAYLOAD_KEY: index}) as resp:
        raw = getattr(resp, "_response", None)
        if raw is None or not 200 <= (resp.status_code or 0) < 300:
            return  # Locust marks it failed from the status or the connection error
        stamps: list[float] = []
        pieces: list[str] = []
        try:
            while True:
                line = raw.readline(b"\n")
                if not line:
                    break
                event = wire.parse_line(line)
                if event == wire.DONE:
                    break
                if isinstance(event, dict) and (text := text_of(event)):
                    stamps.append(time.perf_counter())
                    pieces.append(text)
        except Exception as exc:
            resp.failure(f"stream broken: {type(exc).__name__}: {exc}")
            return
        ttft, gaps, latency = wire.token_timing(start, stamps, time.perf_counter())
        resp.request_meta["response_time"] = latency
        resp.request_meta["response_length"] = sum(len(p) for p in pieces)
        ctx = resp.request_meta["context"]
        ctx.update({TTFT_KEY: ttft, ITL_KEY: gaps, TOKENS_KEY: len(stamps)})
        if CAPTURE_OUTPUT:  # only an agreement comparison needs the joined, canonical text
            ctx[OUTPUT_KEY] = canonical("".join(pieces))
        if stamps:
            resp.success()
        else:
            resp.failure("stream ended without tokens")
