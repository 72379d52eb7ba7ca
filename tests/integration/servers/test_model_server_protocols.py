"""The sample server speaks OpenAI and OIP v2 as their clients expect, and saturates like an LLM
server with a KV-cache limit: over real HTTP, as a child process."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from ai_deploy_ci.local.model_server.knobs import Knobs
from ai_deploy_ci.local.model_server.process import ModelServerProcess, start_model_server_process


@pytest.fixture(scope="module")
def server() -> Iterator[ModelServerProcess]:
    proc = start_model_server_process(Knobs(port=0, first_token_ms=5, token_interval_ms=2))
    yield proc
    proc.stop()


def _post(server: ModelServerProcess, path: str, body: object, **kw: object) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=10, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "param"), [
    ({"prompt": "x", "max_tokens": 0}, "max_tokens"),
    ({"prompt": "x", "n": 0}, "n"),
    ({"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"prompt": {"no": 1}}, "prompt"),
    ({"prompt": "x", "stream_options": {"include_usage": True}}, "stream_options"),
], ids=["max-tokens-0", "n-0", "five-stops", "prompt-object", "options-without-stream"])
def test_openai_errors_have_openai_shape(server: ModelServerProcess, body: dict[str, object],
                                         param: str) -> None:
    r = _post(server, "/v1/completions", body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param and error["type"] == "invalid_request_error" and error["message"]


def test_n_and_list_prompts_give_one_choice_each(server: ModelServerProcess) -> None:
    r = _post(server, "/v1/completions", {"prompt": ["the flower", "a petal"], "n": 2,
                                          "max_tokens": 4}).json()
    assert [c["index"] for c in r["choices"]] == [0, 1, 2, 3]
    texts = [c["text"] for c in r["choices"]]
    single = _post(server, "/v1/completions", {"prompt": "the flower", "max_tokens": 4}).json()
    assert texts[0] == single["choices"][0]["text"] and texts[0] != texts[1]  # choice 0 is n = 1's answer
    assert r["usage"]["completion_tokens"] == 16
    with requests.post(server.url + "/v1/chat/completions", timeout=10, stream=True, json={
            "messages": [{"role": "user", "content": "hi"}], "n": 3, "max_tokens": 2, "stream": True}) as s:
        events = [line[6:] for line in s.iter_lines(decode_unicode=True) if line]
    chunks = [json.loads(e) for e in events[:-1]]
    finishes = {c["choices"][0]["index"]: c["choices"][0]["finish_reason"] for c in chunks
                if c["choices"][0]["finish_reason"]}
    assert finishes == {0: "length", 1: "length", 2: "length"} and events[-1] == "[DONE]"


def test_stop_sequence_ends_the_choice_without_it(server: ModelServerProcess) -> None:
    full = _post(server, "/v1/completions", {"prompt": "the flower", "max_tokens": 40}).json()["choices"][0]
    word = full["text"].split()[3]
    cut = _post(server, "/v1/completions", {"prompt": "the flower", "max_tokens": 40, "stop": word}).json()
    choice = cut["choices"][0]
    assert choice["finish_reason"] == "stop" and word not in choice["text"]
    assert full["text"].startswith(choice["text"]) and len(choice["text"]) < len(full["text"])


def test_vllm_health(server: ModelServerProcess) -> None:
    r = requests.get(server.url + "/health", timeout=5)
    assert r.status_code == 200 and r.content == b""


def test_oip_binary_extension_is_a_clear_400(server: ModelServerProcess) -> None:
    header = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 16}}]}).encode()
    raw = header + b"\xa3" * 16  # what tritonclient sends by default
    r = requests.post(server.url + "/v2/models/iris/infer", data=raw, timeout=5,
                      headers={"Inference-Header-Content-Length": str(len(header)),
                               "Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and "binary tensor data extension" in r.json()["error"]


@pytest.mark.parametrize(("tensor", "message"), [
    ({"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]},
     "unexpected inference input"),
    ({"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]},
     "unexpected datatype FP64"),
    ({"name": "input-0", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}, "unexpected shape [4]"),
], ids=["name", "datatype", "shape"])
def test_oip_inputs_are_checked_against_metadata(server: ModelServerProcess, tensor: dict[str, object],
                                                 message: str) -> None:
    r = _post(server, "/v2/models/iris/infer", {"inputs": [tensor]})
    assert r.status_code == 400 and message in r.json()["error"], r.text
    ok = _post(server, "/v2/models/iris/infer",
               {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["a flower"]}]})
    assert ok.status_code == 200


def test_concurrency_limit_queues_requests() -> None:
    # 2 slots, 100 ms per request, 6 at once: three waves (≈ 100, 200, 300 ms), not one
    proc = start_model_server_process(Knobs(port=0, max_concurrency=2, extra_latency_ms=100))
    try:
        times: list[float] = []
        lock = threading.Lock()

        def one() -> None:
            start = time.perf_counter()
            assert _post(proc, "/predict", {"text": "a"}).status_code == 200
            with lock:
                times.append(time.perf_counter() - start)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        times.sort()
        assert len(times) == 6
        assert times[1] < 0.19 and times[3] >= 0.19 and 0.29 <= times[5] < 2.0, times
    finally:
        proc.stop()
