"""GitHub's value semantics: truthiness, loose equality, ordering, string and number coercion.

These follow the runner's `ExpressionUtility` rules (and the expressions documentation):
values are null, boolean, number (a double), string, array or object; comparing different
primitive kinds coerces both sides to numbers; strings compare case-insensitively; arrays and
objects are equal only to themselves. Getting these wrong is how an `if:` that works in our
tests silently misbehaves on GitHub, hence the table-driven tests.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class FilteredArray(list[Any]):
    """The result of an object filter (`a.*`): property access maps over the elements."""


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def truthy(value: Any) -> bool:
    """false, 0, -0, NaN, '' and null are falsy; arrays and objects (even empty) are truthy."""
    k = kind(value)
    if k == "null":
        return False
    if k == "boolean":
        return bool(value)
    if k == "number":
        return not (value == 0 or math.isnan(value))
    if k == "string":
        return value != ""
    return True


def to_number(value: Any) -> float:
    k = kind(value)
    if k == "null":
        return 0.0
    if k == "boolean":
        return 1.0 if value else 0.0
    if k == "number":
        return float(value)
    if k == "string":
        text = value.strip()
        if text == "":
            return 0.0
        sign = -1.0 if text.startswith("-") else 1.0
        body = text.lstrip("+-") if text[:1] in "+-" else text
        if body.lower().startswith("0x") and re.fullmatch(r"0[xX][0-9a-fA-F]+", body):
            return sign * float(int(body, 16))
        if _NUMBER.match(text):
            return float(text)
        if body in ("Infinity",):
            return sign * math.inf
        return math.nan
    return math.nan


def to_string(value: Any) -> str:
    """How a value is interpolated into a string (`${{ 1.0 }}` → `1`, `${{ null }}` → ``)."""
    k = kind(value)
    if k == "null":
        return ""
    if k == "boolean":
        return "true" if value else "false"
    if k == "number":
        return format_number(float(value))
    if k == "string":
        return str(value)
    return "Array" if k == "array" else "Object"


def format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.15g}"
    return text.replace("e+", "E+").replace("e-", "E-")


def loose_equal(a: Any, b: Any) -> bool:
    ka, kb = kind(a), kind(b)
    if ka != kb:
        if ka in ("array", "object") or kb in ("array", "object"):
            return False
        return to_number(a) == to_number(b)
    if ka == "null":
        return True
    if ka == "string":
        return bool(a.upper() == b.upper())
    if ka in ("array", "object"):
        return a is b
    return bool(a == b)


def less_than(a: Any, b: Any) -> bool:
    ka, kb = kind(a), kind(b)
    if ka in ("array", "object") or kb in ("array", "object"):
        return False
    if ka == kb == "string":
        return bool(a.upper() < b.upper())
    return to_number(a) < to_number(b)


def to_json(value: Any) -> str:
    """`toJSON`: two-space indented, numbers without a trailing `.0`."""
    return json.dumps(_plain(value), indent=2, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value == int(value) and not math.isinf(value) and abs(value) < 1e15:
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def from_json(text: Any) -> Any:
    """`fromJSON`: numbers become doubles, as in the runner."""
    def conv(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, list):
            return [conv(x) for x in v]
        return {k: conv(x) for k, x in v.items()}

    return conv(json.loads(to_string(text)))
