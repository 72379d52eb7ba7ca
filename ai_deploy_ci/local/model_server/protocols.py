"""Wire formats, as pure functions: request JSON → model inputs, model outputs → response JSON.

Three protocols share one model: a plain JSON predict API, the Open Inference Protocol v2
(KServe v2 REST) tensor format, and OpenAI-compatible completions/chat (with SSE chunks).
Keeping them free of I/O lets the unit tests pin the exact shapes clients depend on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ai_deploy_ci.local.model_server.model import CLASS_NAMES, FEATURE_NAMES, N_FEATURES, Prediction


class BadRequest(ValueError):
    """The payload cannot be understood; answered with 400 and `{"error": message}`."""


Featurize = Callable[[str], list[float]]


def _row(item: Any, featurize: Featurize) -> list[float]:
    if isinstance(item, str):
        return featurize(item)
    if isinstance(item, dict):
        if "text" in item or "prompt" in item:
            return featurize(str(item.get("text", item.get("prompt"))))
        try:
            return [float(item[name]) for name in FEATURE_NAMES]
        except (KeyError, TypeError, ValueError):
            raise BadRequest(f"an object instance needs the keys {list(FEATURE_NAMES)} or 'text'") from None
    if isinstance(item, list) and len(item) == N_FEATURES and all(_is_number(v) for v in item):
        return [float(v) for v in item]
    raise BadRequest(f"each instance must be {N_FEATURES} numbers, an object of features, or a string")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def parse_predict(body: Any, featurize: Featurize) -> list[list[float]]:
    """Rows from `{"instances": […]}`, `{"inputs": […]}`, `{"text": "…"}` or `{"prompt": "…"}`."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if "text" in body or "prompt" in body:
        return [featurize(str(body.get("text", body.get("prompt"))))]
    items = body.get("instances", body.get("inputs"))
    if items is None:
        raise BadRequest("expected 'instances', 'inputs' or 'text'")
    if isinstance(items, str | dict) or (isinstance(items, list) and items and _is_number(items[0])):
        items = [items]  # one instance given bare
    if not isinstance(items, list) or not items:
        raise BadRequest("'instances' must be a non-empty list")
    if len(items) > 1024:
        raise BadRequest("at most 1024 instances per request")
    return [_row(item, featurize) for item in items]


def encode_predict(preds: list[Prediction], model_name: str, version: str) -> dict[str, Any]:
    return {
        "predictions": [
            {"label": p.label, "class_index": p.index, "probabilities": list(p.probabilities)} for p in preds
        ],
        "model_name": model_name,
        "model_version": version,
    }


def v2_model_metadata(model_name: str, version: str) -> dict[str, Any]:
    """`GET /v2/models/{name}`: the tensors `infer` accepts and returns."""
    return {
        "name": model_name,
        "versions": [version],
        "platform": "numpy-logreg",
        "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, N_FEATURES]}],
        "outputs": [
            {"name": "probabilities", "datatype": "FP32", "shape": [-1, len(CLASS_NAMES)]},
            {"name": "label", "datatype": "BYTES", "shape": [-1]},
        ],
    }


def _flatten(data: Any) -> list[Any]:
    if isinstance(data, list):
        return [x for item in data for x in _flatten(item)]
    return [data]


def parse_v2_infer(body: Any, featurize: Featurize) -> tuple[list[list[float]], dict[str, Any]]:
    """Rows from the first input tensor (FP*/INT* shape [n, 4] row-major, or BYTES [n] text);
    also returns the echo fields (`id`) and the requested output names."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list) or not body["inputs"]:
        raise BadRequest("an inference request needs a non-empty 'inputs' list")
    tensor = body["inputs"][0]
    if not isinstance(tensor, dict) or not {"name", "shape", "datatype", "data"} <= tensor.keys():
        raise BadRequest("each input needs 'name', 'shape', 'datatype' and 'data'")
    shape, datatype, flat = tensor["shape"], str(tensor["datatype"]), _flatten(tensor["data"])
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise BadRequest("'shape' must be a list of non-negative integers")
    size = 1
    for d in shape:
        size *= d
    if size != len(flat):
        raise BadRequest(f"shape {shape} needs {size} elements, 'data' has {len(flat)}")
    if datatype == "BYTES":
        rows = [featurize(x if isinstance(x, str) else str(x)) for x in flat]
    elif datatype.startswith(("FP", "INT", "UINT")):
        if size % N_FEATURES or not all(_is_number(x) for x in flat):
            raise BadRequest(f"numeric input must be numbers with shape [n, {N_FEATURES}]")
        rows = [[float(v) for v in flat[i : i + N_FEATURES]] for i in range(0, size, N_FEATURES)]
    else:
        raise BadRequest(f"unsupported datatype {datatype!r}")
    wanted = [o.get("name") for o in body.get("outputs") or [] if isinstance(o, dict)]
    return rows, {"id": body.get("id"), "outputs": wanted}


def encode_v2_infer(
    preds: list[Prediction], model_name: str, version: str, echo: dict[str, Any]
) -> dict[str, Any]:
    n = len(preds)
    outputs = [
        {
            "name": "probabilities",
            "datatype": "FP32",
            "shape": [n, len(CLASS_NAMES)],
            "data": [p for pred in preds for p in pred.probabilities],
        },
        {"name": "label", "datatype": "BYTES", "shape": [n], "data": [p.label for p in preds]},
    ]
    if echo.get("outputs"):
        outputs = [o for o in outputs if o["name"] in echo["outputs"]] or outputs
    body: dict[str, Any] = {"model_name": model_name, "model_version": version, "outputs": outputs}
    if echo.get("id") is not None:
        body["id"] = echo["id"]
    return body


def parse_openai(body: Any, chat: bool) -> tuple[str, int, bool, bool]:
    """(prompt, max_tokens, stream, include_usage) from a completions or chat request."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if chat:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("'messages' must be a non-empty list")
        prompt = "\n".join(_content_text(m.get("content")) for m in messages if isinstance(m, dict))
    else:
        raw = body.get("prompt", "")
        prompt = raw if isinstance(raw, str) else " ".join(str(p) for p in _flatten(raw))
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens", 16))
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 0 <= max_tokens <= 4096:
        raise BadRequest("'max_tokens' must be an integer in [0, 4096]")
    options = body.get("stream_options") or {}
    return (
        prompt,
        max_tokens,
        bool(body.get("stream")),
        bool(isinstance(options, dict) and options.get("include_usage")),
    )


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": "…"}]
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def openai_response(
    chat: bool, rid: str, created: int, model: str, text: str, finish: str, use: dict[str, int]
) -> dict[str, Any]:
    """A non-streaming `text_completion` or `chat.completion` object."""
    choice: dict[str, Any] = (
        {"index": 0, "message": {"role": "assistant", "content": text}}
        if chat
        else {"text": text, "index": 0}
    )
    choice.update({"logprobs": None, "finish_reason": finish})
    return {
        "id": rid,
        "object": "chat.completion" if chat else "text_completion",
        "created": created,
        "model": model,
        "choices": [choice],
        "usage": use,
    }


def openai_chunk(
    chat: bool,
    rid: str,
    created: int,
    model: str,
    *,
    text: str | None = None,
    role: bool = False,
    finish: str | None = None,
    include_usage: bool = False,
    use: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One streamed chunk. With `stream_options.include_usage`, every chunk carries
    `"usage": null` and a last chunk with empty `choices` carries the totals, as OpenAI does."""
    if use is not None:
        choices: list[dict[str, Any]] = []
    elif chat:
        delta: dict[str, Any] = {}
        if role:
            delta["role"] = "assistant"
        if text is not None:
            delta["content"] = text
        choices = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    else:
        choices = [{"text": text or "", "index": 0, "logprobs": None, "finish_reason": finish}]
    chunk: dict[str, Any] = {
        "id": rid,
        "object": "chat.completion.chunk" if chat else "text_completion",
        "created": created,
        "model": model,
        "choices": choices,
    }
    if include_usage:
        chunk["usage"] = use
    return chunk


def sse_event(payload: dict[str, Any] | str) -> bytes:
    """`data: …\\n\\n`; the terminal `[DONE]` marker is passed as a plain string."""
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def models_list(model_name: str, created: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": model_name, "object": "model", "created": created, "owned_by": "ai-deploy-ci"}],
    }
