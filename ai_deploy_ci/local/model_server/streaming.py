"""OpenAI-style answers: choices generated in lock step, streamed as SSE chunks paced by deadlines.

Each token position is due at `first_due + i × interval` (absolute deadlines, so pacing never
drifts with per-token overhead); with `n` > 1 or several prompts, the choices advance together,
as a batching server would. Time to first token is measured from when the request was admitted
(after any queueing: `slots.py`), which is what a client sees minus the network and the queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ai_deploy_ci.local.model_server import protocols as proto
from ai_deploy_ci.local.model_server.metrics import ServerMetrics
from ai_deploy_ci.local.model_server.openai_api import OpenAIRequest, cut_at_stop
from ai_deploy_ci.local.model_server.textgen import MarkovGenerator, count_tokens
from ai_deploy_ci.local.model_server.timing import sleep_until


@dataclass(frozen=True)
class Pacing:
    started: float  # perf_counter when the request was admitted
    first_due: float  # deadline of the first token
    interval: float  # seconds between tokens


@dataclass
class Choice:
    """One choice as it is generated: its tokens so far, and why it ended."""

    index: int
    tokens: Iterator[str]
    limit: int  # max_tokens: the choice ends with "length" on its last token, not one interval later
    text: str = ""
    count: int = 0
    finish: str | None = None
    pieces: list[str] = field(default_factory=list)

    def step(self, stops: tuple[str, ...]) -> str | None:
        """The next piece of text to send, or None once this choice has ended."""
        if self.finish is not None:
            return None
        token = next(self.tokens, None)
        if token is None:
            self.finish = "length"
            return None
        piece, stopped = cut_at_stop(self.text, token, stops)
        self.count += 1
        self.text += piece
        if stopped:
            self.finish = "stop"
        elif self.count >= self.limit:
            self.finish = "length"
        return piece


def choices_of(generator: MarkovGenerator, req: OpenAIRequest) -> list[Choice]:
    return [Choice(p * req.n + j, generator.stream(prompt, req.max_tokens, variant=j), req.max_tokens)
            for p, prompt in enumerate(req.prompts) for j in range(req.n)]


def complete(generator: MarkovGenerator, req: OpenAIRequest) -> tuple[list[Choice], int]:
    """Every choice generated to its end (non-streaming); returns them and the prompt tokens."""
    choices = choices_of(generator, req)
    for c in choices:
        while c.step(req.stop) is not None:
            pass
    return choices, sum(count_tokens(p) for p in req.prompts)


def sse_events(generator: MarkovGenerator, metrics: ServerMetrics, chat: bool, rid: str, model: str,
               req: OpenAIRequest, pacing: Pacing) -> Iterator[bytes]:
    """`data: {chunk}` events: (chat: a role delta per choice first), one per token and choice, a
    finish chunk per choice when it ends, the usage chunk when asked, then `data: [DONE]`."""
    created = int(time.time())
    endpoint = "chat_completions" if chat else "completions"
    ttft = metrics.ttft.labels(endpoint, metrics.version)
    itl = metrics.itl.labels(endpoint, metrics.version)

    def chunk(**kw: Any) -> bytes:
        return proto.sse_event(
            proto.openai_chunk(chat, rid, created, model, include_usage=req.include_usage, **kw)
        )

    choices = choices_of(generator, req)
    if chat:
        for c in choices:
            yield chunk(index=c.index, role=True, text="")
    last, position = pacing.started, 0
    live = list(choices)
    while live:
        sleep_until(pacing.first_due + position * pacing.interval)
        now = time.perf_counter()
        sent = False
        for c in list(live):
            piece = c.step(req.stop)
            if piece:
                sent = True
                yield chunk(index=c.index, text=piece)
            if c.finish is not None:
                live.remove(c)
                yield chunk(index=c.index, text=None if chat else "", finish=c.finish)
        if sent:
            (ttft if position == 0 else itl).observe(now - last)
            last = now
        position += 1
    prompt_tokens = sum(count_tokens(p) for p in req.prompts)
    completion_tokens = sum(c.count for c in choices)
    metrics.count_tokens(prompt_tokens, completion_tokens)
    if req.include_usage:
        yield chunk(use=proto.usage(prompt_tokens, completion_tokens))
    yield proto.sse_event("[DONE]")
