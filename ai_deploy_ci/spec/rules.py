"""Checks a JSON Schema cannot express: weights that rise, strategy/router capabilities,
files that exist, durations in order, one source per volume.

They run only on documents that passed the schema, so they may trust types and shapes; each
returns located problems and never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec import capabilities as caps
from ai_deploy_ci.spec.durations import DurationError, parse_duration
from ai_deploy_ci.spec.problems import Path
from ai_deploy_ci.spec.walk import Doc, duration_fields, get, items
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

Rule = Callable[[Doc, Document, FsPath], Iterator[RawProblem]]


def problem(
    doc: Document,
    path: Path,
    message: str,
    fix: str | None = None,
    *,
    severity: str = "error",
    key: bool = False,
) -> RawProblem:
    line, col = doc.where(path, key=key)
    return RawProblem(line, col, path, message, fix, "warning" if severity == "warning" else "error")


def check_canary_weights(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    """Weights only rise (Argo Rollouts would flap traffic back otherwise) and stay in 0–100."""
    if get(data, "strategy", "type") != "canary":
        return
    previous: tuple[int, int] | None = None
    for i, step in items(data, "strategy", "canary", "steps"):
        weight = get(step, "setWeight")
        if not isinstance(weight, int):
            continue
        if previous is not None and weight < previous[1]:
            yield problem(
                doc,
                ("strategy", "canary", "steps", i, "setWeight"),
                f"weight goes down from {previous[1]} (step {previous[0] + 1}) to {weight}",
                f"use a weight of at least {previous[1]}; weights must rise",
            )
        previous = (i, weight)
    if previous is None:
        yield problem(
            doc,
            ("strategy", "canary", "steps"),
            "canary has no setWeight step, so no traffic ever reaches the candidate",
            "add a step such as `- setWeight: 10`",
        )


def check_router_capabilities(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    strategy = get(data, "strategy", "type")
    router = get(data, "trafficRouter", "type", default="service")
    match = get(data, "strategy", "abTest", "match", default={})
    kind = next(iter(match), None) if isinstance(match, dict) else None
    lacking = caps.missing(strategy, router, kind)
    if not lacking:
        return
    need = caps.needs(strategy, kind)
    able = ", ".join(caps.routers_with(need)) or "none"
    what = " and ".join(sorted(c.value for c in lacking))
    at: Path = ("trafficRouter", "type") if get(data, "trafficRouter", "type") else ("strategy", "type")
    yield problem(
        doc,
        at,
        f"router '{router}' cannot do {what}, which strategy '{strategy}'"
        + (f" with a {kind} match" if kind else "")
        + " needs",
        f"use trafficRouter.type: {able}",
    )


def check_durations(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    for path, value in duration_fields(data):
        try:
            parse_duration(value)
        except DurationError as exc:
            yield problem(doc, path, str(exc), "e.g. 30s, 5m, 1h30m, 250ms")


def check_server(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    for section in ("requests", "limits"):
        for key in get(data, "server", "resources", section, default={}):
            if key.endswith("/gpu"):
                yield problem(
                    doc,
                    ("server", "resources", section, key),
                    f"GPUs do not go in {section}",
                    "use `resources.gpus: <whole number>`",
                    key=True,
                )
    grace = get(data, "server", "terminationGracePeriodSeconds", default=30)
    sleep = get(data, "server", "preStopSleepSeconds", default=0)
    if sleep and sleep >= grace:
        yield problem(
            doc,
            ("server", "preStopSleepSeconds"),
            f"preStop sleep ({sleep}s) uses the whole termination grace period ({grace}s): "
            "the pod is killed before it finishes in-flight requests",
            f"raise terminationGracePeriodSeconds above {sleep}",
        )
    for i, volume in items(data, "server", "volumes"):
        sources = [
            k
            for k in ("persistentVolumeClaim", "configMap", "emptyDir", "hostPath")
            if k in volume and volume[k] is not False
        ]
        if len(sources) != 1:
            yield problem(
                doc,
                ("server", "volumes", i),
                f"volume '{volume['name']}' needs exactly one source, has {len(sources)}",
                "set one of persistentVolumeClaim, configMap, emptyDir, hostPath",
            )
    yield from unique_names(doc, ("server", "volumes"), items(data, "server", "volumes"), "volume")


def unique_names(
    doc: Document, at: Path, entries: Iterable[tuple[int, Doc]], what: str
) -> Iterator[RawProblem]:
    """Each later entry of a list whose `name` an earlier one already has (names key the report)."""
    first: dict[str, int] = {}
    for i, entry in entries:
        name = entry["name"]
        if name in first:
            yield problem(
                doc,
                (*at, i, "name"),
                f"{what} name '{name}' is used twice (first at {at[-1]}[{first[name]}])",
                f"give each {what} its own name",
            )
        first.setdefault(name, i)


def check_rolling(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    rolling = get(data, "strategy", "rolling", default={})
    values = {k: rolling.get(k, d) for k, d in (("maxSurge", "25%"), ("maxUnavailable", 0))}
    for key, value in values.items():
        if isinstance(value, str) and int(value.rstrip("%")) > 100:
            yield problem(
                doc, ("strategy", "rolling", key), f"{key} {value} is more than 100%", "use 0%–100%"
            )
    if all(v in (0, "0%") for v in values.values()):
        yield problem(
            doc,
            ("strategy", "rolling"),
            "maxSurge and maxUnavailable are both 0: the rollout could never make progress",
            "set maxSurge: 1 (zero downtime)",
        )


def check_unused_blocks(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    """A `canary:` block under `type: rolling` is ignored: say so rather than surprise later."""
    for section, chosen in (
        ("strategy", get(data, "strategy", "type")),
        ("trafficRouter", get(data, "trafficRouter", "type")),
    ):
        for block in ("rolling", "blueGreen", "canary", "abTest", "shadow", "gatewayAPI", "istio", "nginx"):
            if block != chosen and block in get(data, section, default={}):
                yield problem(
                    doc,
                    (section, block),
                    f"'{section}.{block}' is ignored because type is '{chosen}'",
                    f"remove it, or set {section}.type: {block}",
                    severity="warning",
                    key=True,
                )
