"""Wire formats of the built-in users: OIP v2 request bodies, OpenAI SSE events, token timing.

Pure (no Locust), so the definitions of TTFT and inter-token latency are tested without a server:
TTFT = request start → first event carrying text; ITL = gaps between consecutive text events
(so there are tokens − 1 of them); a request's latency runs to the end of the stream.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DONE = "[DONE]"
# finish_reason values that end a stream normally (OpenAI, vLLM, TGI); anything else ("abort",
# "error", "content_filter", …) means the user did not get the answer they asked for
NORMAL_FINISH = frozenset({"stop", "length", "tool_calls", "function_call"})
# the prompt-only keys of our own payload format, never sent to an OpenAI server
_OWN_KEYS = frozenset({"text"})


def parse_line(line: bytes | str) -> dict[str, Any] | str | None:
    """A `data:` line → its JSON object, or DONE; None for blank lines, comments, other fields."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    if not text.startswith("data:"):
        return None
    data = text[5:].strip()
    if data == DONE:
        return DONE
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def chat_text(event: dict[str, Any]) -> str:
    """Text of a chat.completion.chunk (choices[0].delta.content)."""
    choices = event.get("choices") or [{}]
    delta = choices[0].get("delta") or {}
    return str(delta.get("content") or "")


def completion_text(event: dict[str, Any]) -> str:
    """Text of a text_completion chunk (choices[0].text)."""
    choices = event.get("choices") or [{}]
    return str(choices[0].get("text") or "")


def token_timing(start: float, stamps: list[float], end: float) -> tuple[float | None, list[float], float]:
    """(TTFT ms or None, inter-token gaps ms, latency ms) from perf_counter seconds."""
    latency = (end - start) * 1000.0
    if not stamps:
        return None, [], latency
    ttft = (stamps[0] - start) * 1000.0
    gaps = [(b - a) * 1000.0 for a, b in itertools.pairwise(stamps)]
    return ttft, gaps, latency


def to_infer_request(payload: Any) -> dict[str, Any]:
    """An OIP v2 request body. A payload that already has `inputs` is sent as is; otherwise each
    field becomes one input: strings as BYTES, numbers (or a list of numbers) as FP64."""
    if isinstance(payload, dict) and "inputs" in payload:
        return payload
    fields = payload if isinstance(payload, dict) else {"input": payload}
    inputs = []
    for name, value in fields.items():
        data = value if isinstance(value, list) else [value]
        numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in data)
        inputs.append({"name": name, "shape": [len(data)], "datatype": "FP64" if numeric else "BYTES",
                       "data": data if numeric else [str(x) for x in data]})
    return {"inputs": inputs}


def openai_body(payload: Any, *, chat: bool, model: str, max_tokens: int, ignore_eos: bool = False,
                prompt: str) -> dict[str, Any]:
    """The streamed request body for one payload: the payload's own request fields kept.

    Worked example: payload {"prompt": "hi", "max_tokens": 5, "temperature": 0} with
    load.maxTokens 64 → {"model", "prompt": "hi", "max_tokens": 5, "temperature": 0, "stream": true,
    "stream_options": {"include_usage": true}}: the payload's max_tokens wins over load.maxTokens,
    and the usage chunk lets tokens be counted by the server's own tokenizer. `ignore_eos` adds
    vLLM's `ignore_eos` and `min_tokens` = max_tokens so both versions generate the same length.
    """
    fields = {k: v for k, v in payload.items() if k not in _OWN_KEYS} if isinstance(payload, dict) else {}
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
    if chat:
        fields.pop("prompt", None)
        if not fields.get("messages"):
            fields["messages"] = [{"role": "user", "content": prompt}]
    else:
        fields.pop("messages", None)
        fields.setdefault("prompt", prompt)
    body.update(fields)
    if "max_completion_tokens" in fields and "max_tokens" not in fields:
        body.pop("max_tokens")
    if ignore_eos:
        body.setdefault("ignore_eos", True)
        body.setdefault("min_tokens", body.get("max_tokens", body.get("max_completion_tokens")))
    given = body.get("stream_options")
    options: dict[str, Any] = given if isinstance(given, dict) else {}
    body["stream"] = True
    body["stream_options"] = {**options, "include_usage": True}
    return body


@dataclass
class StreamTally:
    """What one SSE stream said: text events with their arrival times, the finish_reason, the
    server's `usage`, and an error event if any. `failure()` decides success, with a reason that
    becomes the sample's error kind (before the colon)."""

    text_of: Callable[[dict[str, Any]], str]
    stamps: list[float] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    finish: str | None = None
    usage_tokens: int | None = None
    error: str | None = None

    def feed(self, event: dict[str, Any], now: float) -> None:
        if event.get("error"):
            err = event["error"]
            self.error = str(err.get("message") or err) if isinstance(err, dict) else str(err)
            return
        if text := self.text_of(event):
            self.stamps.append(now)
            self.pieces.append(text)
        choices = event.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        if isinstance(first, dict) and (reason := first.get("finish_reason")) is not None:
            self.finish = str(reason)
        usage = event.get("usage")
        if isinstance(usage, dict) and isinstance(tokens := usage.get("completion_tokens"), int):
            self.usage_tokens = tokens

    @property
    def tokens(self) -> int:
        """Output tokens: the server's `usage.completion_tokens` when it sent one, else text events."""
        return self.usage_tokens if self.usage_tokens is not None else len(self.stamps)

    def failure(self) -> str | None:
        """None for a complete answer, else 'kind: detail' (kind: stream-error, no-tokens, finish-reason)."""
        if self.error is not None:
            return f"stream-error: the server sent an error event: {self.error[:200]}"
        if not self.stamps:
            return "no-tokens: stream ended without tokens"
        if self.finish is None:
            return "finish-reason: stream ended without a finish_reason"
        if self.finish not in NORMAL_FINISH:
            return f"finish-reason: unexpected finish_reason {self.finish!r}"
        return None


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_headers(headers: Mapping[str, str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header values with `${NAME}` taken from the environment (so a token stays a secret, never in
    deploy.yaml); an unset variable becomes ''."""
    env = os.environ if env is None else env
    return {k: _ENV_REF.sub(lambda m: env.get(m.group(1), ""), str(v)) for k, v in headers.items()}


def request_path(template: str, model: str) -> str:
    """`{model}` in a configured path → the model name, e.g. /v1/models/{model}:predict (KServe v1)."""
    return template.replace("{model}", model)
