"""The OpenAI request body and stream accounting of the built-in LLM users (pure, no Locust)."""

from __future__ import annotations

from typing import Any

import pytest

from ai_deploy_ci.load.capture import error_kind
from ai_deploy_ci.load_users import wire


def test_payload_fields_are_kept_and_usage_asked() -> None:
    body = wire.openai_body({"prompt": "hi", "max_tokens": 5, "temperature": 0, "stop": ["."]},
                            chat=False, model="m", max_tokens=64, prompt="hi")
    assert body == {"model": "m", "prompt": "hi", "max_tokens": 5, "temperature": 0, "stop": ["."],
                    "stream": True, "stream_options": {"include_usage": True}}


def test_chat_body_from_text_and_from_messages() -> None:
    body = wire.openai_body({"text": "hello", "seed": 3}, chat=True, model="m", max_tokens=8, prompt="hello")
    assert body["messages"] == [{"role": "user", "content": "hello"}] and body["seed"] == 3
    assert "text" not in body and "prompt" not in body and body["max_tokens"] == 8
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    body = wire.openai_body({"messages": msgs, "max_completion_tokens": 4}, chat=True, model="m",
                            max_tokens=8, prompt="")
    assert body["messages"] == msgs and body["max_completion_tokens"] == 4 and "max_tokens" not in body


def test_ignore_eos_fixes_the_length_and_stream_options_merge() -> None:
    body = wire.openai_body({"prompt": "p", "stream_options": {"continuous_usage_stats": True}},
                            chat=False, model="m", max_tokens=32, ignore_eos=True, prompt="p")
    assert body["ignore_eos"] is True and body["min_tokens"] == 32
    assert body["stream_options"] == {"continuous_usage_stats": True, "include_usage": True}


def _chunk(text: str | None = None, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "text": text or "", "finish_reason": finish}]}


def _tally(*events: dict[str, Any]) -> wire.StreamTally:
    tally = wire.StreamTally(wire.completion_text)
    for i, event in enumerate(events):
        tally.feed(event, float(i))
    return tally


@pytest.mark.parametrize(("events", "kind"), [
    ([_chunk("a"), _chunk("b"), _chunk("", "length")], None),
    ([_chunk("a"), {"error": {"message": "engine died", "type": "InternalServerError", "code": 500}}],
     "stream-error"),
    ([_chunk("a"), _chunk("b")], "finish-reason"),
    ([_chunk("a"), _chunk("", "abort")], "finish-reason"),
    ([_chunk("", "stop")], "no-tokens"),
], ids=["complete", "error-event", "no-finish", "abort", "empty"])
def test_stream_outcome_has_its_own_kind(events: list[dict[str, Any]], kind: str | None) -> None:
    reason = _tally(*events).failure()
    if kind is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith(kind + ":")
        assert error_kind(Exception(reason), 200) == kind


def test_tokens_from_usage_when_the_server_sends_it() -> None:
    # two text events that carry three tokens each: the server's count is the truth
    usage = {"choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 6, "total_tokens": 8}}
    assert _tally(_chunk("ab c"), _chunk("de f", "length"), usage).tokens == 6
    assert _tally(_chunk("ab c"), _chunk("de f", "length")).tokens == 2


def test_headers_from_environment_and_path_template() -> None:
    assert wire.expand_headers({"Authorization": "Bearer ${TOKEN}", "X": "1"}, {"TOKEN": "s3"}) == \
        {"Authorization": "Bearer s3", "X": "1"}
    assert wire.request_path("/v1/models/{model}:predict", "iris") == "/v1/models/iris:predict"
