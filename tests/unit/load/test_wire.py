from __future__ import annotations

import pytest

from ai_deploy_ci.load_users import wire


@pytest.mark.parametrize(("line", "expected"), [
    (b'data: {"choices": [{"delta": {"content": "hi"}}]}\n', {"choices": [{"delta": {"content": "hi"}}]}),
    (b"data: [DONE]\n", wire.DONE),
    (b"\n", None),
    (b": keep-alive\n", None),
    (b"event: ping\n", None),
    (b"data: not json\n", None),
], ids=["event", "done", "blank", "comment", "other-field", "garbage"])
def test_parse_line(line: bytes, expected: object) -> None:
    assert wire.parse_line(line) == expected


def test_texts() -> None:
    assert wire.chat_text({"choices": [{"delta": {"content": "a"}}]}) == "a"
    assert wire.chat_text({"choices": [{"delta": {"role": "assistant"}}]}) == ""
    assert wire.completion_text({"choices": [{"text": "b"}]}) == "b"
    assert wire.completion_text({"choices": []}) == ""


def test_token_timing() -> None:
    ttft, gaps, latency = wire.token_timing(10.0, [10.05, 10.07, 10.09], 10.1)
    assert ttft == pytest.approx(50.0)
    assert gaps == pytest.approx([20.0, 20.0])
    assert latency == pytest.approx(100.0)
    assert wire.token_timing(0.0, [], 1.0) == (None, [], 1000.0)


def test_oip_request() -> None:
    assert wire.to_infer_request({"inputs": [1]}) == {"inputs": [1]}
    body = wire.to_infer_request({"text": "great", "x": [1.0, 2.0]})
    assert body["inputs"][0] == {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["great"]}
    assert body["inputs"][1] == {"name": "x", "shape": [2], "datatype": "FP64", "data": [1.0, 2.0]}
