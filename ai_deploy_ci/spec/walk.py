"""Small typed accessors over a schema-valid document, and where its durations and files live.

Rules, lint and conversion all read the same places; listing them once keeps the three in step
(a new duration field added here is parsed, checked and converted).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ai_deploy_ci.spec.durations import parse_duration
from ai_deploy_ci.spec.problems import Path

Doc = dict[str, Any]


def get(data: Any, *path: str | int, default: Any = None) -> Any:
    """`data[a][b]…` or `default` when any step is missing or of the wrong kind."""
    cur = data
    for part in path:
        in_list = isinstance(part, int) and isinstance(cur, list) and -len(cur) <= part < len(cur)
        in_dict = isinstance(part, str) and isinstance(cur, dict) and part in cur
        if not (in_list or in_dict):
            return default
        cur = cur[part]
    return cur


def kw(section: Doc, fields: dict[str, str], durations: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for the camelCase keys present in `section` (absent keys keep defaults)."""
    out: dict[str, Any] = {}
    for yaml_key, attr in fields.items():
        if yaml_key in section:
            value = section[yaml_key]
            out[attr] = parse_duration(value) if yaml_key in durations else value
    return out


def items(data: Any, *path: str | int) -> list[tuple[int, Any]]:
    value = get(data, *path, default=[])
    return list(enumerate(value)) if isinstance(value, list) else []


_FIXED_DURATIONS: tuple[Path, ...] = (
    ("strategy", "blueGreen", "scaleDownDelay"),
    ("strategy", "abTest", "duration"),
    ("strategy", "shadow", "duration"),
    ("load", "duration"),
    ("load", "warmup"),
    ("load", "availabilityProbe", "timeout"),
    ("analysis", "blockLength"),
    ("analysis", "minDuration"),
    ("analysis", "maxDuration"),
    ("rollback", "timeout"),
)


def duration_fields(doc: Doc) -> Iterator[tuple[Path, Any]]:
    """Every duration value present in the document, with its path."""
    for path in _FIXED_DURATIONS:
        value = get(doc, *path)
        if value is not None:
            yield path, value
    for i, step in items(doc, "strategy", "canary", "steps"):
        for kind in ("pause", "analysis"):
            value = get(step, kind, "duration")
            if value is not None:
                yield ("strategy", "canary", "steps", i, kind, "duration"), value
    for i, stage in items(doc, "load", "stages"):
        value = get(stage, "duration")
        if value is not None:
            yield ("load", "stages", i, "duration"), value
    for i, metric in items(doc, "analysis", "metrics"):
        for key in ("range", "step"):
            value = get(metric, "prometheus", key)
            if value is not None:
                yield ("analysis", "metrics", i, "prometheus", key), value


FILE_FIELDS: tuple[Path, ...] = (
    ("server", "manifest"),
    ("load", "locustfile"),
    ("load", "payloadsFile"),
)
