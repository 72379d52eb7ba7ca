"""The OpenAI completions / chat request as the sample server understands it, checked like vLLM does.

Pure: request JSON → `OpenAIRequest` (or `OpenAIError`, answered as OpenAI's
`{"error": {"message", "type", "param", "code"}}`), and the stop-sequence rule. What is accepted
follows the OpenAI API reference and vLLM's `SamplingParams._verify_args`: `max_tokens` ≥ 1
(vLLM: "max_tokens must be at least 1"), `n` ≥ 1, at most 4 `stop` strings, a prompt that is a
string, a list of strings (one choice per prompt), or token ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai_deploy_ci.local.model_server.protocols import BadRequest

MAX_TOKENS_LIMIT = 4096  # the sample model's context
MAX_N = 16
MAX_PROMPTS = 64


class OpenAIError(BadRequest):
    """A request the OpenAI API rejects; `param` names the offending field."""

    def __init__(self, message: str, param: str | None = None, status: int = 400,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.param, self.status, self.kind = param, status, kind

    def body(self) -> dict[str, Any]:
        return error_body(str(self), self.param, self.kind, None)


def error_body(message: str, param: str | None = None, kind: str = "invalid_request_error",
               code: str | None = None) -> dict[str, Any]:
    """OpenAI's error object (what the `openai` SDK parses into `APIStatusError.body`)."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass(frozen=True)
class OpenAIRequest:
    prompts: tuple[str, ...]  # one per prompt; chat has exactly one
    max_tokens: int
    n: int = 1
    stop: tuple[str, ...] = ()
    stream: bool = False
    include_usage: bool = False

    @property
    def choices(self) -> int:
        """Choices in the answer: n per prompt, indexed prompt-major (as vLLM and OpenAI do)."""
        return len(self.prompts) * self.n


def _int_field(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise OpenAIError(f"'{name}' must be an integer, got {value!r}", name)
    if not low <= value <= high:
        raise OpenAIError(f"{name} must be at least {low} and at most {high}, got {value}.", name)
    return value


def _prompts(body: dict[str, Any], chat: bool) -> tuple[str, ...]:
    if chat:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise OpenAIError("'messages' must be a non-empty list", "messages")
        if not all(isinstance(m, dict) and "role" in m for m in messages):
            raise OpenAIError("each message needs a 'role'", "messages")
        return ("\n".join(content_text(m.get("content")) for m in messages),)
    raw = body.get("prompt")
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and raw:
        if all(isinstance(p, str) for p in raw):
            if len(raw) > MAX_PROMPTS:
                raise OpenAIError(f"at most {MAX_PROMPTS} prompts per request", "prompt")
            return tuple(raw)
        if all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
            return (" ".join(f"t{t}" for t in raw),)  # token ids: one prompt
        if all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in raw):
            return tuple(" ".join(f"t{t}" for t in p) for p in raw)
    raise OpenAIError("'prompt' must be a string, a list of strings, or a list of token ids", "prompt")


def parse_request(body: Any, chat: bool) -> OpenAIRequest:
    """The checked request; OpenAIError names the field that is wrong."""
    if not isinstance(body, dict):
        raise OpenAIError("the body must be a JSON object")
    prompts = _prompts(body, chat)
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    max_tokens = _int_field(body, name, 16, 1, MAX_TOKENS_LIMIT)
    n = _int_field(body, "n", 1, 1, MAX_N)
    stop = body.get("stop")
    stops: tuple[str, ...] | list[Any] | None = (
        () if stop is None else (stop,) if isinstance(stop, str) else stop if isinstance(stop, list) else None
    )
    if stops is None or len(stops) > 4 or not all(isinstance(s, str) and s for s in stops):
        raise OpenAIError("'stop' must be a non-empty string or a list of at most 4 of them", "stop")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise OpenAIError("'stream_options' must be an object", "stream_options")
    stream = bool(body.get("stream"))
    if options and not stream:
        raise OpenAIError("stream_options is only allowed when stream is true", "stream_options")
    return OpenAIRequest(prompts=prompts, max_tokens=max_tokens, n=n, stop=tuple(stops), stream=stream,
                         include_usage=bool(options and options.get("include_usage")))


def content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": "…"}]
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def cut_at_stop(text: str, token: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """(the part of `token` to send, whether a stop sequence ended the output) after `text` so far.

    The stop sequence itself is not sent, as in OpenAI and vLLM (`include_stop_str_in_output`
    false): with stop ["."] and tokens " the", " end." the output is " the end".
    """
    if not stops:
        return token, False
    joined = text + token
    hits = [i for s in stops if (i := joined.find(s, max(0, len(text) - len(s) + 1))) >= 0]
    if not hits:
        return token, False
    return joined[: min(hits)][len(text):], True
