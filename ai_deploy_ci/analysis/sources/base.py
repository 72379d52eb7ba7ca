"""The `MetricSource` protocol: run a query, get values — or `NoData`, which is never zero.

Flagger's `ErrNoValuesFound` is the model: a query that matches no series (a typo in a label,
a version that never received traffic) must not read as "0 errors" and pass a canary. Errors
of the source itself (unreachable, bad query) raise `MetricSourceError` with a fix.
Queries are templates: `$target`, `$version`, `$namespace`, `$name` (or `${version}`) are filled
per target from the judge's context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ai_deploy_ci.errors import UserError

PLACEHOLDER = re.compile(r"\$(?:\{(\w+)\}|(namespace|name|target|version)\b)")


class MetricSourceError(UserError):
    """The source failed (unreachable, timed out, rejected the query): the metric cannot be judged."""

    exit_code = 2


@dataclass(frozen=True)
class Values:
    """Finite values the query returned (one for an instant query, one per step for a range)."""

    values: tuple[float, ...]
    query: str

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


@dataclass(frozen=True)
class NoData:
    """The query matched nothing, or only NaN — distinct from a value of 0."""

    query: str
    reason: str = "the query returned no series"


QueryResult = Values | NoData


class MetricSource(Protocol):
    def query(
        self, query: str, *, range_seconds: float | None = None, step: float = 15.0, at: float | None = None
    ) -> QueryResult:
        """Instant query (range_seconds None) at `at` (None: now), or a range query ending there."""
        ...


def variables_for(target: str, context: Mapping[str, str] | None) -> dict[str, str]:
    """Placeholders for one target: generic keys, overridden by `<target>_<key>` keys.

    {"namespace": "ml", "baseline_version": "v1", "candidate_version": "v2"} gives, for the
    candidate, {"target": "candidate", "namespace": "ml", "version": "v2"}.
    """
    ctx = dict(context or {})
    out = {k: v for k, v in ctx.items() if not any(k.startswith(f"{t}_") for t in ("baseline", "candidate"))}
    prefix = f"{target}_"
    out.update({k[len(prefix) :]: v for k, v in ctx.items() if k.startswith(prefix)})
    out["target"] = target
    return out


def render(template: str, variables: Mapping[str, str]) -> str:
    """Fill placeholders; a placeholder without a value is an error, never left in the query."""
    missing: list[str] = []

    def fill(m: re.Match[str]) -> str:
        key = m.group(1) or m.group(2)
        if key not in variables:
            missing.append(key)
            return m.group(0)
        return variables[key]

    text = PLACEHOLDER.sub(fill, template)
    if missing:
        raise MetricSourceError(
            f"query {template!r} uses ${', $'.join(sorted(set(missing)))} but no value was given",
            fix=f"pass the value in the judge context (e.g. --context candidate_{missing[0]}=…)",
        )
    return text
