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

# the KServe/Triton binary tensor data extension: a JSON header of this many bytes, then raw tensors
BINARY_HEADER = "Inference-Header-Content-Length"
BINARY_UNSUPPORTED = (
    "the binary tensor data extension (Inference-Header-Content-Length, binary_data_size, "
    "binary_data) is not supported by this server: send JSON tensors (tritonclient: "
    "InferInput.set_data_from_numpy(..., binary_data=False) and InferRequestedOutput(..., binary_data=False))"
)


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
        "inputs": [
            {"name": "input-0", "datatype": "FP32", "shape": [-1, N_FEATURES]},
            {"name": "text", "datatype": "BYTES", "shape": [-1]},
        ],
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
    _no_binary(body)
    tensor = body["inputs"][0]
    if not isinstance(tensor, dict) or not {"name", "shape", "datatype", "data"} <= tensor.keys():
        raise BadRequest("each input needs 'name', 'shape', 'datatype' and 'data'")
    shape, datatype, flat = tensor["shape"], str(tensor["datatype"]), _flatten(tensor["data"])
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise BadRequest("'shape' must be a list of non-negative integers")
    _check_against_metadata(str(tensor["name"]), datatype, shape)
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


def _no_binary(body: dict[str, Any]) -> None:
    """The binary extension marked in the JSON itself (parameters) is refused as clearly as the header."""
    params = [body.get("parameters")] + [t.get("parameters") for t in body["inputs"] if isinstance(t, dict)]
    params += [o.get("parameters") for o in body.get("outputs") or [] if isinstance(o, dict)]
    for p in params:
        if isinstance(p, dict) and (p.get("binary_data_size") is not None or p.get("binary_data")
                                    or p.get("binary_data_output")):
            raise BadRequest(BINARY_UNSUPPORTED)


def _check_against_metadata(name: str, datatype: str, shape: list[int]) -> None:
    """Name, datatype and shape as `GET /v2/models/{name}` declares them (-1: any size), as
    Triton and KServe check them ("unexpected datatype", "unexpected shape")."""
    declared = {i["name"]: i for i in v2_model_metadata("", "")["inputs"]}
    spec = declared.get(name)
    if spec is None:
        raise BadRequest(f"unexpected inference input {name!r}, the model accepts {sorted(declared)}")
    if datatype != spec["datatype"]:
        expected = spec["datatype"]
        raise BadRequest(f"input {name!r}: unexpected datatype {datatype}, the model expects {expected}")
    want = spec["shape"]
    if len(shape) != len(want) or any(w not in (-1, d) for w, d in zip(want, shape, strict=True)):
        raise BadRequest(f"input {name!r}: unexpected shape {shape}, the model expects {want}")


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


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def openai_response(
    chat: bool, rid: str, created: int, model: str, choices: list[tuple[str, str]], use: dict[str, int]
) -> dict[str, Any]:
    """A non-streaming `text_completion` or `chat.completion` object; `choices` are (text, finish)."""
    out = []
    for index, (text, finish) in enumerate(choices):
        choice: dict[str, Any] = (
            {"index": index, "message": {"role": "assistant", "content": text}}
            if chat
            else {"text": text, "index": index}
        )
        choice.update({"logprobs": None, "finish_reason": finish})
        out.append(choice)
    return {
        "id": rid,
        "object": "chat.completion" if chat else "text_completion",
        "created": created,
        "model": model,
        "choices": out,
        "usage": use,
    }


def openai_chunk(
    chat: bool,
    rid: str,
    created: int,
    model: str,
    *,
    index: int = 0,
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
        choices = [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}]
    else:
        choices = [{"text": text or "", "index": index, "logprobs": None, "finish_reason": finish}]
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
