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


class Watched:
    """A response that records whether its body was decoded."""

    status_code = 200

    def __init__(self) -> None:
        self.read = False

    @property
    def text(self) -> str:
        self.read = True
        return '{"label": "pos"}'


def test_body_is_not_read_when_no_metric_compares_outputs() -> None:
    resp = Watched()
    row = capture.make_row(event(response=resp), None, now=2000.0)
    assert row is not None and row[10] == 3 and row[11] == ""  # the payload index is still recorded
    assert not resp.read
    compared = Watched()
    row = capture.make_row(event(response=compared), ["label"], now=2000.0)
    assert compared.read and row is not None and row[11] == '"pos"'


def test_compares_outputs_only_with_an_agreement_metric_or_an_explicit_path() -> None:
    import dataclasses

    from ai_deploy_ci.load.runner import compares_outputs
    from ai_deploy_ci.spec.model import Agreement, AnalysisSpec, Metric
    from tests.e2e.load.helpers import make_spec

    spec = make_spec()  # jsonPath $.predictions[0].label: the summary's agreement figure
    assert compares_outputs(spec)
    plain = dataclasses.replace(spec, load=dataclasses.replace(spec.load, agreement=Agreement()))
    assert not compares_outputs(plain)
    with_metric = dataclasses.replace(plain, analysis=AnalysisSpec(metrics=(Metric("a", "agreement"),)))
    assert compares_outputs(with_metric)


def test_batch_frame_round_trips_rows() -> None:
    from ai_deploy_ci.load import frames

    rows = [["baseline", 1.5, 10.0, 1, 200, 5, "", None, 0, [], 0, '"a"'],
            ["candidate", 1.25, 11.0, 0, 503, 0, "http-503", 4.0, 3, [1.0, 2.0], 1, ""]]
    meta, cols = capture.rows_to_frame(rows)
    (frame,) = frames.decode(frames.encode(meta, cols))
    assert frame.meta["targets"] == ["baseline", "candidate"] and frame.meta["errors"] == ["", "http-503"]
    assert frame.columns["t"].tolist() == [1.5, 1.25] and frame.columns["itl_count"].tolist() == [0, 2]
    assert frame.columns["itl_ms"].tolist() == [1.0, 2.0] and frame.columns["tokens"].tolist() == [0, 3]
    assert [frame.meta["outputs"][c] for c in frame.columns["output"]] == ['"a"', ""]
