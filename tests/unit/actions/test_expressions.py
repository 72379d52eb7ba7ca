"""The expression evaluator against GitHub's documented semantics (table-driven).

Cases follow docs.github.com "Evaluate expressions in workflows and actions" (operators,
loose equality, falsy values, functions) and the runner's ExpressionUtility behaviour.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.support.action_runner.evaluate import Scope, condition, evaluate, expand
from tests.support.action_runner.parser import ExpressionError, parse

CONTEXTS: dict[str, Any] = {
    "github": {"event_name": "pull_request", "ref": "refs/tags/v1.2.0", "event": {"number": 7.0}},
    "inputs": {"mode": "Release", "dry-run": "false", "empty": ""},
    "steps": {"deploy": {"outputs": {"verdict": "FAIL", "json": '{"a": [1, 2]}'}, "outcome": "failure"}},
    "matrix": {"strategy": "canary", "list": ["a", "b"]},
    "env": {"NAME": "x"},
    "obj": {"a": {"name": "one"}, "b": {"name": "two"}, "c": {}},
}

CASES: list[tuple[str, Any]] = [
    # literals
    ("true", True), ("null", None), ("42", 42.0), ("-3.5", -3.5), ("0xff", 255.0), ("1e2", 100.0),
    ("'it''s'", "it's"),
    # loose equality: different primitive kinds coerce to numbers
    ("1 == '1'", True), ("'' == 0", True), ("null == 0", True), ("true == 1", True),
    ("'abc' == 0", False), ("'abc' != 0", True), ("'0x10' == 16", True), ("' 2 ' == 2", True),
    ("null == false", True),
    # strings compare case-insensitively
    ("'ABC' == 'abc'", True), ("inputs.mode == 'release'", True), ("'a' < 'B'", True),
    # arrays and objects equal only themselves; never to primitives
    ("matrix.list == matrix.list", True), ("fromJSON('[]') == fromJSON('[]')", False),
    ("matrix.list == 'Array'", False),
    # NaN compares false with everything
    ("'x' == 'x' && fromJSON('1') < 'x'", False), ("fromJSON('1') > 'x'", False),
    # ordering and precedence
    ("1 < 2", True), ("2 <= 2", True), ("3 > 2 && 1 >= 1", True), ("!2 < 3", True), ("!(2 < 3)", False),
    ("3 < 2 < 1", True), ("1 == 1 || false && false", True), ("(1 == 1 || false) && false", False),
    # && and || return an operand, not a boolean
    ("'a' && 'b'", "b"), ("'' || 'fallback'", "fallback"), ("0 && 'x'", 0.0), ("null || null", None),
    # property access: case-insensitive names, missing → null, index by string or number
    ("github.EVENT_NAME", "pull_request"), ("github['event_name']", "pull_request"),
    ("github.nope.deeper", None),
    ("matrix.list[1]", "b"), ("matrix.list[5]", None), ("matrix.list['0']", "a"), ("inputs.dry-run", "false"),
    ("steps.deploy.outputs.verdict", "FAIL"), ("steps.missing.outputs.verdict", None),
    # object filters
    ("join(obj.*.name, '+')", "one+two"), ("contains(obj.*.name, 'TWO')", True),
    # functions
    ("contains('Hello world', 'WORLD')", True), ("contains(matrix.list, 'B')", True),
    ("contains(matrix.list, 'c')", False), ("startsWith(github.ref, 'refs/TAGS/')", True),
    ("endsWith('deploy.yaml', '.YAML')", True), ("format('{0} {1}!', 'Hello', 'you')", "Hello you!"),
    ("format('{{0}} {0}', 1)", "{0} 1"), ("join(matrix.list)", "a,b"), ("join('solo', '-')", "solo"),
    ("toJSON(matrix.list)", '[\n  "a",\n  "b"\n]'), ("toJSON(1.0)", "1"),
    ("fromJSON(steps.deploy.outputs.json).a[1]", 2.0), ("fromJSON('true')", True),
    ("fromJSON('5') > 4", True), ("'10' > '9'", False), ("fromJSON('10') > fromJSON('9')", True),
    ("format('{0}', github.event.number)", "7"), ("format('{0}', 0.5)", "0.5"), ("format('{0}', null)", ""),
    ("format('{0}', true)", "true"),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[0] for c in CASES])
def test_evaluate(expr: str, expected: Any) -> None:
    got = evaluate(parse(expr), Scope(CONTEXTS))
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected and type(got) is type(expected)


FALSY = ["false", "0", "-0", "''", "null", "fromJSON('\"\"')", "inputs.empty", "github.missing"]
TRUTHY = ["true", "1", "'false'", "'0'", "fromJSON('[]')", "fromJSON('{}')", "' '", "-1"]


@pytest.mark.parametrize("expr", FALSY)
def test_falsy(expr: str) -> None:
    assert condition(expr, Scope(CONTEXTS)) is False


@pytest.mark.parametrize("expr", TRUTHY)
def test_truthy(expr: str) -> None:
    assert condition(expr, Scope(CONTEXTS)) is True


# (if:, previous step failed?, expected) — `if:` without a status function means `success() && …`
IF_CASES = [
    ("", False, True), ("", True, False),
    ("always()", True, True), ("failure()", True, True), ("failure()", False, False),
    ("success()", True, False), ("${{ always() }}", True, True),
    ("inputs.mode == 'release'", False, True), ("inputs.mode == 'release'", True, False),
    ("${{ inputs.mode == 'release' }}", False, True), ("always() && inputs.mode == 'nope'", True, False),
    ("!cancelled()", True, True), ("success() || failure()", True, True),
    ("steps.deploy.outcome == 'failure'", True, False),
    ("failure() && steps.deploy.outcome == 'failure'", True, True),
    # text around ${{ }} makes a string: always truthy (a classic trap, kept faithfully)
    ("${{ false }} ", False, True), ("true && ${{ false }}", False, True),
]


@pytest.mark.parametrize(("text", "failed", "expected"), IF_CASES,
                         ids=[f"{c[0]!r}-failed={c[1]}" for c in IF_CASES])
def test_if_condition(text: str, failed: bool, expected: bool) -> None:
    assert condition(text, Scope(CONTEXTS, failed=failed)) is expected


def test_templates_keep_type_only_when_alone() -> None:
    scope = Scope(CONTEXTS)
    assert expand("${{ 1 == 1 }}", scope) is True
    assert expand("v=${{ 1 == 1 }}", scope) == "v=true"
    assert expand("${{ inputs.mode }}-${{ matrix.strategy }}", scope) == "Release-canary"
    assert expand("${{ format('}}') }}", scope) == "}"
    assert expand("no expression", scope) == "no expression"


def test_hash_files(tmp_path: Path) -> None:
    (tmp_path / "a.lock").write_text("one")
    scope = Scope(CONTEXTS, workspace=tmp_path)
    first = evaluate(parse("hashFiles('*.lock')"), scope)
    assert len(first) == 64
    (tmp_path / "a.lock").write_text("two")
    assert evaluate(parse("hashFiles('*.lock')"), scope) != first
    assert evaluate(parse("hashFiles('nothing/*')"), scope) == ""


@pytest.mark.parametrize("bad", ["1 ==", "'open", "foo(", "a.", "unknownFn(1)", "1 2", "format('{1}', 1)"])
def test_errors(bad: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(parse(bad), Scope(CONTEXTS))


def test_status_functions_only_in_if() -> None:
    with pytest.raises(ExpressionError):
        expand("${{ success() }}", Scope(CONTEXTS, allowed_status=False))
