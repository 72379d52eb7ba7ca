"""Prediction agreement: do baseline and candidate answer the same inputs the same way?

Outputs are captured as canonical JSON text of the part selected by a small JSON path
(`$`, `$.label`, `$.predictions[0].score`, `$.outputs[0].data`). Labels and strings must be
equal; numbers may differ by an absolute tolerance, so a retrained regressor is not flagged
for float noise. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy stays out of the Locust process, which imports this via capture
    from ai_deploy_ci.samples import Samples

_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")
_MISSING = object()


def parse_path(path: str) -> list[str | int]:
    """`$.a.b[0]["c d"]` → ["a", "b", 0, "c d"]; raises ValueError on anything else."""
    if not path.startswith("$"):
        raise ValueError(f"JSON path must start with '$': {path!r}")
    parts: list[str | int] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m:
            raise ValueError(f"unsupported JSON path {path!r} at {path[pos:]!r}")
        name, index, quoted = m.groups()
        parts.append(int(index) if index is not None else (name if name is not None else quoted))
        pos = m.end()
    return parts


def extract(obj: object, parts: list[str | int]) -> object:
    """The selected value, or a sentinel-free None when the path does not exist."""
    cur = obj
    for p in parts:
        if isinstance(p, int) and isinstance(cur, list) and -len(cur) <= p < len(cur):
            cur = cur[p]
            continue
        if isinstance(p, str) and isinstance(cur, dict) and p in cur:
            cur = cur[p]
            continue
        return None
    return cur


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def values_agree(a: object, b: object, tolerance: float) -> bool:
    """Structural equality, numbers within `tolerance` (absolute); bools are labels, not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= tolerance
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_agree(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_agree(a[k], b[k], tolerance) for k in a)
    return a == b


def outputs_agree(a: str, b: str, tolerance: float = 0.0) -> bool:
    if tolerance == 0.0 or a == b:
        return a == b
    try:
        return values_agree(json.loads(a), json.loads(b), tolerance)
    except ValueError:
        return False


def reference_outputs(baseline: Samples) -> dict[int, str]:
    """Baseline's most common output per payload index (successful, captured requests only)."""
    seen: dict[int, Counter[str]] = {}
    for i in range(len(baseline)):
        p, out = int(baseline.payload[i]), baseline.output[i]
        if p >= 0 and out and baseline.ok[i]:
            seen.setdefault(p, Counter())[out] += 1
    return {p: c.most_common(1)[0][0] for p, c in seen.items()}


def agreement_rate(baseline: Samples, candidate: Samples, tolerance: float = 0.0) -> float | None:
    """Share of the candidate's answered inputs whose output agrees with the baseline's answer.

    None when no input was answered by both (e.g. a locustfile that does not record payloads).
    """
    ref = reference_outputs(baseline)
    pairs = agree = 0
    for i in range(len(candidate)):
        p, out = int(candidate.payload[i]), candidate.output[i]
        if p in ref and out and candidate.ok[i]:
            pairs += 1
            agree += outputs_agree(ref[p], out, tolerance)
    return agree / pairs if pairs else None
