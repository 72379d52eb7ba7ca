from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ai_deploy_ci.load import capture


class Resp(SimpleNamespace):
    status_code: int
    text: str


@pytest.mark.parametrize(("exc", "status", "kind"), [
    (None, 200, ""),
    (RuntimeError("bad"), 503, "http-503"),
    (TimeoutError("timed out"), 0, "timeout"),
    (ConnectionRefusedError("refused"), 0, "connection"),
    (ValueError("stream ended without tokens"), 200, "check"),
], ids=["ok", "http", "timeout", "connection", "check"])
def test_error_kind(exc: BaseException | None, status: int, kind: str) -> None:
    assert capture.error_kind(exc, status) == kind


def event(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"request_type": "POST", "name": "/predict", "response_time": 12.34567,
                            "response_length": 57, "start_time": 1000.5, "exception": None,
                            "response": Resp(status_code=200, text='{"label": "pos", "v": 2}'),
                            "context": {capture.TARGET_KEY: "baseline", capture.PAYLOAD_KEY: 3}}
    base.update(kw)
    return base


def test_row_of_plain_request_extracts_output() -> None:
    row = capture.make_row(event(), ["label"], now=2000.0)
    assert row == ["baseline", 1000.5, 12.3457, 1, 200, 57, "", None, 0, [], 3, '"pos"']


def test_requests_of_unwrapped_classes_are_ignored() -> None:
    assert capture.make_row(event(context={}), [], now=0.0) is None


def test_streaming_context_and_manual_event_start() -> None:
    ctx = {capture.TARGET_KEY: "candidate", capture.TTFT_KEY: 50.0, capture.ITL_KEY: [20.0, 21.0],
           capture.TOKENS_KEY: 3, capture.OUTPUT_KEY: '"a b c"', capture.PAYLOAD_KEY: 0}
    row = capture.make_row(event(context=ctx, start_time=None, response_time=100.0), [], now=10.0)
    assert row is not None
    assert row[1] == pytest.approx(9.9)  # fired at completion: start = now - latency
    assert row[7:] == [50.0, 3, [20.0, 21.0], 0, '"a b c"']


def test_failed_request_row() -> None:
    row = capture.make_row(event(exception=RuntimeError("x"), response=Resp(status_code=503, text="")),
                           [], now=0.0)
    assert row is not None and row[3] == 0 and row[6] == "http-503" and row[11] == ""


def test_non_json_body_gives_empty_output() -> None:
    assert capture.output_of("<html>", []) == ""
