"""Kubernetes resource quantities: parsing and canonical form, as apimachinery's `resource.Quantity`.

A real API server stores `cpu: "0.5"` as `500m` and `memory: 1024Mi` as `1Gi`, and rejects
`"1.2.3"`; code that compares what it wrote with what it reads back must compare quantities by
value, and the local API server must answer the same canonical strings. Pure; no I/O.

Follows k8s.io/apimachinery/pkg/api/resource: `ParseQuantity` / `parseQuantityString`
(quantity.go), `CanonicalizeBytes` (the suffix chosen for each format) and `suffixer.interpret`
(suffix.go). Precision: values below 1n are rounded up to 1n, as `ParseQuantity` does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

# The error texts of apimachinery's ErrFormatWrong / ErrSuffix / ErrNumeric (quantity.go).
FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_WRONG = "unable to parse quantity's suffix"

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXP = {v: k for k, v in _DECIMAL.items()}
_BINARY_BY_EXP = {v: k for k, v in _BINARY.items()}
# parseQuantityString: sign, digits, optional fraction, suffix letters, optional signed exponent.
_SHAPE = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)$")
_NANO = Fraction(1, 10**9)


class QuantityError(ValueError):
    """A string that is not a quantity; the message is apimachinery's."""


@dataclass(frozen=True)
class Quantity:
    """An exact value and the format its suffix chose (which decides the canonical suffix)."""

    value: Fraction
    format: Format

    def __str__(self) -> str:
        return canonical_of(self)

    def is_integer(self) -> bool:
        """apimachinery checks `MilliValue() % 1000 == 0` for integer resources (nvidia.com/gpu)."""
        return self.value.denominator == 1


def parse(text: str | int | float) -> Quantity:
    """Parse a quantity (JSON numbers too, as `Quantity.UnmarshalJSON` accepts them)."""
    if isinstance(text, bool):
        raise QuantityError(FORMAT_WRONG)
    if isinstance(text, int):
        return Quantity(Fraction(text), "DecimalSI")
    if isinstance(text, float):
        text = repr(text)
    s = text.strip()
    m = _SHAPE.match(s)
    if not s or m is None or not (m.group(2) or m.group(3)):
        raise QuantityError(FORMAT_WRONG)
    sign, whole, frac, letters, exp = m.groups()
    number = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else Fraction(0))
    if sign == "-":
        number = -number
    suffix = letters + exp
    fmt: Format
    if suffix in _DECIMAL:
        value, fmt = number * Fraction(10) ** _DECIMAL[suffix], "DecimalSI"
    elif suffix in _BINARY:
        value, fmt = number * 2 ** _BINARY[suffix], "BinarySI"
    elif letters in ("e", "E") and re.fullmatch(r"[-+]?[0-9]+", exp):
        value, fmt = number * Fraction(10) ** int(exp), "DecimalExponent"
    else:
        raise QuantityError(SUFFIX_WRONG)
    if value and abs(value) < _NANO:  # ParseQuantity rounds anything below 1n up to 1n
        value = _NANO if value > 0 else -_NANO
    elif (value / _NANO).denominator != 1:  # and rounds up to nano precision
        value = Fraction(math.ceil(value / _NANO)) * _NANO
    return Quantity(value, fmt)


def canonical_of(q: Quantity) -> str:
    """`Quantity.String()`: the largest suffix that keeps the number an exact integer.

    Examples (as kube-apiserver writes them back): 0.5 → 500m, 2000m → 2, 1024Mi → 1Gi,
    1.5Gi → 1536Mi, 512Ki-sized values below 1024 bytes → decimal, 1e3 → 1e3, 1500 → 1500.
    """
    v = q.value
    if v == 0:
        return "0"
    fmt = q.format
    if fmt == "BinarySI":
        if -1024 < v < 1024 or v.denominator != 1:
            fmt = "DecimalSI"  # CanonicalizeBytes: small or fractional binary values print decimal
        else:
            n, e = int(v), 0
            while n % 1024 == 0 and e < 60:
                n //= 1024
                e += 10
            return f"{n}{_BINARY_BY_EXP[e]}"
    # AsCanonicalBytes: an integer mantissa with an exponent that is a multiple of 3, as large as
    # possible (never above 18 for SI suffixes).
    exp = -9
    mantissa = v / Fraction(10) ** exp
    while mantissa.denominator == 1 and int(mantissa) % 1000 == 0 and exp < 18:
        mantissa /= 1000
        exp += 3
    number = int(mantissa)
    if fmt == "DecimalExponent":
        return f"{number}" if exp == 0 else f"{number}e{exp}"
    return f"{number}{_DECIMAL_BY_EXP[exp]}"


def canonical(text: str | int | float) -> str:
    """The string a real API server stores for `text` (raises QuantityError)."""
    return canonical_of(parse(text))


def equal(a: object, b: object) -> bool:
    """Two quantities with the same value ("0.5" == "500m"); False if either does not parse."""
    try:
        return parse(a).value == parse(b).value  # type: ignore[arg-type]
    except (QuantityError, TypeError):
        return False
