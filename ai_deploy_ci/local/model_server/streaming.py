"""OpenAI-style SSE streams: chunks paced by deadlines, with time-to-first-token metrics.

Each token is due at `first_due + i × interval` (absolute deadlines, so pacing never drifts
with per-token overhead). Time to first token is measured from when the request was read,
which is what a client sees minus the network.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ai_deploy_ci.local.model_server import protocols as proto
from ai_deploy_ci.local.model_server.metrics import ServerMetrics
from ai_deploy_ci.local.model_server.textgen import MarkovGenerator, count_tokens
from ai_deploy_ci.local.model_server.timing import sleep_until


@dataclass(frozen=True)
class Pacing:
    started: float  # perf_counter when the request line was read
    first_due: float  # deadline of the first token
    interval: float  # seconds between tokens


def sse_events(
    generator: MarkovGenerator,
    metrics: ServerMetrics,
    chat: bool,
    rid: str,
    model: str,
    prompt: str,
    max_tokens: int,
    include_usage: bool,
    pacing: Pacing,
) -> Iterator[bytes]:
    """`data: {chunk}` events: (chat: a role delta first), one per token, a finish chunk, the usage
    chunk when asked, then `data: [DONE]`."""
    created = int(time.time())
    endpoint = "chat_completions" if chat else "completions"
    ttft = metrics.ttft.labels(endpoint, metrics.version)
    itl = metrics.itl.labels(endpoint, metrics.version)

    def chunk(**kw: Any) -> bytes:
        return proto.sse_event(
            proto.openai_chunk(chat, rid, created, model, include_usage=include_usage, **kw)
        )

    if chat:
        yield chunk(role=True, text="")
    sent, last = 0, pacing.started
    for i, token in enumerate(generator.stream(prompt, max_tokens)):
        sleep_until(pacing.first_due + i * pacing.interval)
        now = time.perf_counter()
        (ttft if i == 0 else itl).observe(now - last)
        last = now
        sent += 1
        yield chunk(text=token)
    prompt_tokens = count_tokens(prompt)
    metrics.count_tokens(prompt_tokens, sent)
    yield chunk(text=None if chat else "", finish="length")
    if include_usage:
        yield chunk(use=proto.usage(prompt_tokens, sent))
    yield proto.sse_event("[DONE]")
