"""Evaluate parsed expressions, and expand `${{ }}` templates in YAML values and `if:` conditions.

`&&`/`||` return an operand (not a boolean) like the runner does, contexts and property names
are case-insensitive, and an `if:` that never calls a status function gets an implicit
`success() &&` in front, which is why a step after a failure is skipped unless it asks.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.action_runner import values as v
from tests.support.action_runner.parser import ExpressionError, calls, parse

STATUS_FUNCTIONS = frozenset({"success", "failure", "always", "cancelled"})


@dataclass
class Scope:
    """What an expression can see: contexts, the step status so far, and the workspace."""

    contexts: Mapping[str, Any]
    failed: bool = False  # a previous step of this job / composite action failed
    cancelled: bool = False
    workspace: Path | None = None
    allowed_status: bool = True  # status functions are only allowed in `if:`


def lookup(container: Any, key: Any) -> Any:
    """Property access / index with GitHub's rules: missing → null, names case-insensitive."""
    if isinstance(container, v.FilteredArray):
        out = v.FilteredArray()
        for item in container:
            got = lookup(item, key)
            if got is not None:
                out.append(got)
        return out
    if isinstance(container, dict):
        if not isinstance(key, str):
            key = v.to_string(key)
        if key in container:
            return container[key]
        lowered = key.lower()
        for name, value in container.items():
            if name.lower() == lowered:
                return value
        return None
    if isinstance(container, list):
        number = v.to_number(key)
        if math.isnan(number) or number < 0 or number != int(number) or isinstance(key, list | dict):
            return None
        index = int(number)
        return container[index] if index < len(container) else None
    return None


def evaluate(node: tuple[Any, ...], scope: Scope) -> Any:
    tag = node[0]
    if tag == "lit":
        return node[1]
    if tag == "context":
        return lookup(dict(scope.contexts), node[1])
    if tag == "index":
        return lookup(evaluate(node[1], scope), evaluate(node[2], scope))
    if tag == "filter":
        base = evaluate(node[1], scope)
        if isinstance(base, dict):
            return v.FilteredArray(base.values())
        if isinstance(base, list):
            return v.FilteredArray(base)
        return v.FilteredArray()
    if tag == "not":
        return not v.truthy(evaluate(node[1], scope))
    if tag == "op":
        op, left = node[1], evaluate(node[2], scope)
        if op == "&&":
            return evaluate(node[3], scope) if v.truthy(left) else left
        if op == "||":
            return left if v.truthy(left) else evaluate(node[3], scope)
        right = evaluate(node[3], scope)
        return {
            "==": lambda: v.loose_equal(left, right),
            "!=": lambda: not v.loose_equal(left, right),
            "<": lambda: v.less_than(left, right),
            ">": lambda: v.less_than(right, left),
            "<=": lambda: v.less_than(left, right) or v.loose_equal(left, right),
            ">=": lambda: v.less_than(right, left) or v.loose_equal(left, right),
        }[op]()
    if tag == "call":
        return _call(node[1], [evaluate(arg, scope) for arg in node[2]], scope)
    raise ExpressionError(f"unknown node {tag}")


def _call(name: str, args: list[Any], scope: Scope) -> Any:
    if name in STATUS_FUNCTIONS:
        if not scope.allowed_status:
            raise ExpressionError(f"{name}() is only allowed in if: conditions")
        return {"success": not scope.failed and not scope.cancelled, "failure": scope.failed,
                "always": True, "cancelled": scope.cancelled}[name]
    fn = _FUNCTIONS.get(name)
    if fn is None:
        raise ExpressionError(f"unknown function {name}()")
    lo, hi, impl = fn
    if not lo <= len(args) <= hi:
        raise ExpressionError(f"{name}() takes {lo}..{hi} arguments, got {len(args)}")
    return impl(args, scope)


def _contains(args: list[Any], scope: Scope) -> bool:
    haystack, needle = args
    if isinstance(haystack, list):
        return any(v.loose_equal(item, needle) for item in haystack)
    return v.to_string(needle).upper() in v.to_string(haystack).upper()


def _format(args: list[Any], scope: Scope) -> str:
    template = v.to_string(args[0])

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        index = int(m.group(1))
        if index + 1 >= len(args):
            raise ExpressionError(f"format(): no argument for {{{index}}}")
        return v.to_string(args[index + 1])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", sub, template)


def _join(args: list[Any], scope: Scope) -> str:
    sep = v.to_string(args[1]) if len(args) > 1 else ","
    if isinstance(args[0], list):
        return sep.join(v.to_string(item) for item in args[0])
    return v.to_string(args[0])


def _hash_files(args: list[Any], scope: Scope) -> str:
    """sha256 over the sha256 of each matched file, in path order; '' when nothing matches."""
    root = scope.workspace or Path.cwd()
    files: set[Path] = set()
    for pattern in args:
        text = v.to_string(pattern)
        negate = text.startswith("!")
        matched = {p for p in root.glob(text.lstrip("!")) if p.is_file()}
        files = files - matched if negate else files | matched
    if not files:
        return ""
    outer = hashlib.sha256()
    for path in sorted(files):
        outer.update(hashlib.sha256(path.read_bytes()).digest())
    return outer.hexdigest()


_Impl = Callable[[list[Any], Scope], Any]
_FUNCTIONS: dict[str, tuple[int, int, _Impl]] = {
    "contains": (2, 2, _contains),
    "startswith": (2, 2, lambda a, s: v.to_string(a[0]).upper().startswith(v.to_string(a[1]).upper())),
    "endswith": (2, 2, lambda a, s: v.to_string(a[0]).upper().endswith(v.to_string(a[1]).upper())),
    "format": (1, 99, _format),
    "join": (1, 2, _join),
    "tojson": (1, 1, lambda a, s: v.to_json(a[0])),
    "fromjson": (1, 1, lambda a, s: v.from_json(a[0])),
    "hashfiles": (1, 99, _hash_files),
}

_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _segments(text: str) -> list[tuple[bool, str]]:
    """Split a template into (is_expression, text) pieces; `}}` inside quotes does not end one."""
    out: list[tuple[bool, str]] = []
    i = 0
    while True:
        start = text.find("${{", i)
        if start < 0:
            out.append((False, text[i:]))
            return out
        out.append((False, text[i:start]))
        j, quoted = start + 3, False
        while j < len(text):
            if text[j] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", j):
                break
            j += 1
        else:
            raise ExpressionError(f"unterminated ${{{{ in {text!r}")
        out.append((True, text[start + 3 : j]))
        i = j + 2


def expand(text: Any, scope: Scope) -> Any:
    """Expand a YAML value: exactly one `${{ x }}` keeps x's type; anything else becomes a string."""
    if not isinstance(text, str) or "${{" not in text:
        return text
    pieces = [p for p in _segments(text) if p != (False, "")]
    if len(pieces) == 1 and pieces[0][0]:
        return evaluate(parse(pieces[0][1]), scope)
    return "".join(v.to_string(evaluate(parse(body), scope)) if is_expr else body for is_expr, body in pieces)


def expand_str(text: Any, scope: Scope) -> str:
    return v.to_string(expand(text, scope))


def condition(text: Any, scope: Scope) -> bool:
    """Decide an `if:`; the text may or may not be wrapped in `${{ }}` (both are expressions)."""
    if text is None or text == "":
        return not scope.failed and not scope.cancelled
    if isinstance(text, bool):
        return text and not scope.failed and not scope.cancelled
    text = str(text)  # not stripped: `' ${{ false }}'` is the (truthy) string " false" on GitHub
    pieces = [p for p in _segments(text) if p != (False, "")] if "${{" in text else [(True, text)]
    if len(pieces) != 1 or not pieces[0][0]:
        ok = not scope.failed and not scope.cancelled  # implicit success() && format(...)
        return ok and v.truthy(expand(text, scope))
    tree = parse(pieces[0][1])
    if not calls(tree) & STATUS_FUNCTIONS:
        tree = ("op", "&&", ("call", "success", ()), tree)
    return v.truthy(evaluate(tree, Scope(scope.contexts, scope.failed, scope.cancelled, scope.workspace)))
