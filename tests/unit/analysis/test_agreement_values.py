from __future__ import annotations

import pytest

from ai_deploy_ci.analysis.agreement import agreement_rate, extract, outputs_agree, parse_path, values_agree
from tests.unit.load.helpers import make_samples


@pytest.mark.parametrize(("path", "parts"), [
    ("$", []),
    ("$.label", ["label"]),
    ("$.predictions[0].label", ["predictions", 0, "label"]),
    ("$['odd key'][2]", ["odd key", 2]),
], ids=["root", "field", "nested", "quoted"])
def test_parse_path(path: str, parts: list[str | int]) -> None:
    assert parse_path(path) == parts


@pytest.mark.parametrize("bad", ["label", "$.a..b", "$[x]"])
def test_parse_path_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_path(bad)


def test_extract_missing_is_none() -> None:
    doc = {"predictions": [{"label": "pos"}]}
    assert extract(doc, ["predictions", 0, "label"]) == "pos"
    assert extract(doc, ["predictions", 3, "label"]) is None
    assert extract(doc, ["nope"]) is None


@pytest.mark.parametrize(("a", "b", "tol", "same"), [
    ("pos", "pos", 0.0, True),
    ("pos", "neg", 0.5, False),
    (0.5, 0.52, 0.05, True),
    (0.5, 0.6, 0.05, False),
    ([0.1, 0.9], [0.11, 0.89], 0.02, True),
    ({"p": 1.0}, {"q": 1.0}, 1.0, False),
    (True, 1, 0.5, False),  # a bool is a label, not the number 1
], ids=["label-same", "label-diff", "num-in-tol", "num-out-tol", "list", "keys", "bool"])
def test_values_agree(a: object, b: object, tol: float, same: bool) -> None:
    assert values_agree(a, b, tol) is same


def test_outputs_agree_exact_is_text_equality() -> None:
    assert outputs_agree('{"a":1}', '{"a":1}')
    assert not outputs_agree('{"a":1}', '{"a":1.0001}')
    assert outputs_agree('{"a":1}', '{"a":1.0001}', 0.001)


def test_agreement_rate_uses_baseline_answer_per_input() -> None:
    base = make_samples([1, 1, 1, 1], payload=[0, 1, 0, 1], output=['"pos"', '"neg"', '"pos"', '"neg"'])
    cand = make_samples([1, 1, 1, 1, 1], payload=[0, 1, 0, 1, 2],
                        output=['"pos"', '"pos"', '"pos"', '"neg"', '"x"'])
    # payload 2 has no baseline answer: not counted; one of four disagrees
    assert agreement_rate(base, cand) == pytest.approx(0.75)


def test_agreement_rate_none_without_payloads() -> None:
    s = make_samples([1, 2])
    assert agreement_rate(s, s) is None


def test_failed_requests_do_not_count() -> None:
    base = make_samples([1], payload=[0], output=['"pos"'])
    cand = make_samples([1, 1], payload=[0, 0], output=['"neg"', '"pos"'], ok=[False, True])
    assert agreement_rate(base, cand) == 1.0
