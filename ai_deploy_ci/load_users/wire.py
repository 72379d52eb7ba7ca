"""Wire formats of the built-in users: OIP v2 request bodies, OpenAI SSE events, token timing.

Pure (no Locust), so the definitions of TTFT and inter-token latency are tested without a server:
TTFT = request start → first event carrying text; ITL = gaps between consecutive text events
(so there are tokens − 1 of them); a request's latency runs to the end of the stream.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

DONE = "[DONE]"


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
