"""Pure parts of the sample model server: knobs, model, token generation, wire formats."""

from __future__ import annotations

import argparse
import random
from typing import Any

import pytest

from ai_deploy_ci.local.model_server import openai_api
from ai_deploy_ci.local.model_server import protocols as proto
from ai_deploy_ci.local.model_server.knobs import KnobError, Knobs, add_knob_arguments, knobs_from, to_env
from ai_deploy_ci.local.model_server.model import IrisModel, is_wrong_input, load_iris_csv
from ai_deploy_ci.local.model_server.textgen import MarkovGenerator


@pytest.fixture(scope="module")
def model() -> IrisModel:
    return IrisModel.train()


# -- knobs -------------------------------------------------------------------------------
def test_env_then_flags_override() -> None:
    parser = argparse.ArgumentParser()
    add_knob_arguments(parser)
    args = parser.parse_args(["--model-version", "v9", "--extra-latency-ms", "12.5"])
    env = {"MODEL_VERSION": "v2", "ERROR_RATE": "0.1", "PORT": "9000", "EXTRA_LATENCY_MS": "3"}
    k = knobs_from(env, vars(args))
    assert (k.model_version, k.extra_latency_ms, k.error_rate, k.port) == ("v9", 12.5, 0.1, 9000)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ERROR_RATE": "1.5"}, "error_rate"),
        ({"LATENCY_JITTER": "-0.1"}, "latency_jitter"),
        ({"PORT": "abc"}, "port"),
        ({"EXTRA_LATENCY_MS": "fast"}, "extra_latency_ms"),
        ({"ERROR_STATUS": "404"}, "error_status"),
    ],
    ids=["rate>1", "negative-jitter", "port-not-int", "latency-not-number", "status-not-5xx"],
)
def test_bad_knobs_are_user_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(KnobError, match=message):
        knobs_from(env)


def test_blank_env_is_ignored_and_to_env_round_trips() -> None:
    k = knobs_from({"MODEL_VERSION": " ", "TAIL_PROBABILITY": "0.25", "TAIL_LATENCY_MS": "100"})
    assert k.model_version == "v1"
    assert knobs_from(to_env(k)) == k


def test_service_delay_fixed_jitter_tail_proportional() -> None:
    rng = random.Random(1)
    assert Knobs(extra_latency_ms=50).service_delay_s(0.001, rng) == pytest.approx(0.050)
    assert Knobs(extra_latency_ms=10, proportional_latency=2).service_delay_s(0.004, rng) == pytest.approx(
        0.018
    )
    jittered = [Knobs(extra_latency_ms=100, latency_jitter=0.1).service_delay_s(0, rng) for _ in range(2000)]
    assert 0.090 <= min(jittered) < 0.092 and 0.108 < max(jittered) <= 0.110
    tail = [Knobs(tail_latency_ms=500, tail_probability=0.05).service_delay_s(0, rng) for _ in range(4000)]
    assert set(tail) == {0.0, 0.5}
    assert 0.035 < tail.count(0.5) / len(tail) < 0.065


def test_error_rate_draws() -> None:
    rng = random.Random(3)
    fails = sum(Knobs(error_rate=0.2).should_fail(rng) for _ in range(5000))
    assert 900 < fails < 1100
    assert not any(Knobs().should_fail(rng) for _ in range(100))


# -- model -------------------------------------------------------------------------------
def test_model_is_accurate_and_agrees_with_sklearn(model: IrisModel) -> None:
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris_csv()
    assert model.accuracy() > 0.95
    reference = LogisticRegression(max_iter=1000).fit(x, y).predict(x)
    ours = [p.index for p in model.predict(x.tolist())]
    assert sum(a == b for a, b in zip(ours, reference, strict=True)) / len(x) > 0.95


def test_training_is_fast_and_deterministic() -> None:
    import time

    t = time.perf_counter()
    a = IrisModel.train()
    assert time.perf_counter() - t < 0.5
    assert (a.weights == IrisModel.train().weights).all()


def test_wrong_outputs_are_a_stable_share_of_inputs() -> None:
    bad = IrisModel.train(wrong_output_rate=0.3, seed=7)
    good = IrisModel.train()
    x, _ = load_iris_csv()
    rows = x.tolist() + [bad.features_from_text(f"prompt {i}") for i in range(850)]
    first = [p.label for p in bad.predict(rows)]
    assert first == [p.label for p in bad.predict(rows)]  # same input, same (wrong) answer
    differs = sum(a != p.label for a, p in zip(first, good.predict(rows), strict=True)) / len(rows)
    assert 0.25 < differs < 0.35
    assert all(p.probabilities[p.index] == max(p.probabilities) for p in bad.predict(rows))
    assert not is_wrong_input([1, 2, 3, 4], 0.0, 0)


def test_text_features_are_in_range_and_deterministic(model: IrisModel) -> None:
    f = model.features_from_text("hello")
    assert f == model.features_from_text("hello") != model.features_from_text("hello!")
    assert all(lo <= v <= hi for v, lo, hi in zip(f, model.low, model.high, strict=True))


# -- text generation ---------------------------------------------------------------------
def test_generation_is_deterministic_and_exactly_max_tokens() -> None:
    gen = MarkovGenerator(seed=0)
    a = gen.generate("tell me about iris", 40)
    assert len(a.tokens) == 40 and a.finish_reason == "length"
    assert a == gen.generate("tell me about iris", 40)
    assert a.tokens != gen.generate("tell me about wine", 40).tokens
    assert list(gen.stream("tell me about iris", 40)) == list(a.tokens)
    assert all(t.startswith(" ") and t.strip() for t in a.tokens)
    assert gen.generate("x", 0).tokens == ()


# -- wire formats ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"instances": [[5.1, 3.5, 1.4, 0.2]]},
        {"inputs": [[5.1, 3.5, 1.4, 0.2]]},
        {"instances": [5.1, 3.5, 1.4, 0.2]},
        {"instances": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]},
    ],
    ids=["instances", "inputs", "bare-row", "named-features"],
)
def test_parse_predict_shapes(body: dict, model: IrisModel) -> None:
    assert proto.parse_predict(body, model.features_from_text) == [[5.1, 3.5, 1.4, 0.2]]


def test_parse_predict_text(model: IrisModel) -> None:
    assert proto.parse_predict({"text": "hi"}, model.features_from_text) == [model.features_from_text("hi")]
    assert len(proto.parse_predict({"instances": ["a", "b"]}, model.features_from_text)) == 2


@pytest.mark.parametrize(
    "body",
    [[], {"instances": []}, {"instances": [[1, 2]]}, {"foo": 1}, {"instances": [[1, 2, 3, True]]}],
    ids=["not-object", "empty", "short-row", "no-key", "bool-feature"],
)
def test_parse_predict_rejects(body: object, model: IrisModel) -> None:
    with pytest.raises(proto.BadRequest):
        proto.parse_predict(body, model.features_from_text)


def test_v2_round_trip(model: IrisModel) -> None:
    body: dict[str, Any] = {
        "id": "r1",
        "inputs": [
            {
                "name": "input-0",
                "shape": [2, 4],
                "datatype": "FP32",
                "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3],
            }
        ],
    }
    rows, echo = proto.parse_v2_infer(body, model.features_from_text)
    out = proto.encode_v2_infer(model.predict(rows), "iris", "v1", echo)
    assert out["id"] == "r1" and out["model_name"] == "iris" and out["model_version"] == "v1"
    probs, labels = out["outputs"]
    assert probs["shape"] == [2, 3] and len(probs["data"]) == 6 and probs["datatype"] == "FP32"
    assert labels == {"name": "label", "datatype": "BYTES", "shape": [2], "data": ["setosa", "virginica"]}
    with pytest.raises(proto.BadRequest, match="needs 8 elements"):
        proto.parse_v2_infer(
            {"inputs": [{**body["inputs"][0], "shape": [2, 4], "data": [1.0]}]}, model.features_from_text
        )


def test_openai_chunk_shapes() -> None:
    chat = proto.openai_chunk(True, "id", 1, "m", text=" a", include_usage=True)
    assert chat["object"] == "chat.completion.chunk" and chat["usage"] is None
    assert chat["choices"] == [
        {"index": 0, "delta": {"content": " a"}, "logprobs": None, "finish_reason": None}
    ]
    last = proto.openai_chunk(False, "id", 1, "m", text="", finish="length")
    assert last["choices"][0]["finish_reason"] == "length" and "usage" not in last
    use = proto.openai_chunk(True, "id", 1, "m", include_usage=True, use=proto.usage(3, 4))
    assert use["choices"] == [] and use["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "total_tokens": 7,
    }
    assert proto.sse_event("[DONE]") == b"data: [DONE]\n\n"


def test_parse_openai() -> None:
    body = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "max_tokens": 3,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert openai_api.parse_request(body, chat=True) == openai_api.OpenAIRequest(
        prompts=("hi",), max_tokens=3, stream=True, include_usage=True)
    assert openai_api.parse_request({"prompt": "x"}, chat=False) == openai_api.OpenAIRequest(("x",), 16)
    with pytest.raises(proto.BadRequest):
        openai_api.parse_request({"prompt": "x", "max_tokens": -1}, chat=False)
