"""Semantic checks of the `load` and `analysis` sections (see `rules` for the conventions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec.durations import parse_duration
from ai_deploy_ci.spec.problems import Path
from ai_deploy_ci.spec.rules import problem, unique_names
from ai_deploy_ci.spec.walk import Doc, get, items
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

USERS_BY_PROTOCOL = {
    "json": ("json",),
    "open-inference-v2": ("open-inference-v2",),
    "openai": ("openai-completions", "openai-chat"),
}
LOWER_IS_BETTER = {"latency", "errorRate", "ttft", "itl"}
HIGHER_IS_BETTER = {"throughput", "tokensPerSecond", "agreement"}
STREAMING = {"ttft", "itl", "tokensPerSecond"}
FRACTIONS = {"errorRate", "agreement"}
# (metric types, the margin that cannot apply, the one to use, which way is better, the change)
_DIRECTIONS = (
    (LOWER_IS_BETTER, "maxDecrease", "maxIncrease", "lower", "a decrease"),
    (HIGHER_IS_BETTER, "maxIncrease", "maxDecrease", "higher", "an increase"),
)


def check_load(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    load = get(data, "load", default={})
    protocol = get(data, "server", "protocol", default="json")
    user = load.get("user")
    if user and "locustfile" in load:
        yield problem(
            doc,
            ("load", "user"),
            "'user' is ignored when a locustfile is given",
            "remove one of them",
            severity="warning",
            key=True,
        )
    elif user and user not in USERS_BY_PROTOCOL[protocol]:
        yield problem(
            doc,
            ("load", "user"),
            f"user '{user}' does not speak server.protocol '{protocol}'",
            "use one of: " + ", ".join(USERS_BY_PROTOCOL[protocol]),
        )
    if "payloads" in load and "payloadsFile" in load:
        yield problem(
            doc,
            ("load", "payloadsFile"),
            "both payloads and payloadsFile are set",
            "keep one of them",
            key=True,
        )
    if load.get("model", "closed") == "closed" and "arrivalRate" in load:
        yield problem(
            doc,
            ("load", "arrivalRate"),
            "arrivalRate is ignored by the closed model",
            "set `model: open` or remove arrivalRate",
            severity="warning",
            key=True,
        )
    for name in ("baseline", "candidate"):
        target = get(load, "targets", name)
        if isinstance(target, dict) and ("url" in target) == ("service" in target):
            yield problem(
                doc,
                ("load", "targets", name),
                f"target '{name}' needs exactly one of url or service",
                "set `url:` or `service:`",
            )
        if isinstance(target, dict) and "url" in target and "port" in target:
            yield problem(
                doc,
                ("load", "targets", name, "port"),
                "port is ignored with url",
                "put the port in the URL",
                severity="warning",
                key=True,
            )
    if parse_duration(load.get("warmup", 10)) >= parse_duration(load.get("duration", 120)):
        yield problem(
            doc,
            ("load", "warmup"),
            "warmup is not shorter than the load duration",
            "shorten warmup or lengthen duration",
            severity="warning",
        )


def check_analysis(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    analysis = get(data, "analysis", default={})
    block = parse_duration(analysis.get("blockLength", 15))
    low = parse_duration(analysis.get("minDuration", 60))
    high = parse_duration(analysis.get("maxDuration", 300))
    if low > high:
        yield problem(
            doc,
            ("analysis", "minDuration"),
            "minDuration is longer than maxDuration",
            "make minDuration ≤ maxDuration",
        )
    if block * 2 > low:
        yield problem(
            doc,
            ("analysis", "blockLength"),
            "fewer than two blocks fit in minDuration: the per-block comparison has nothing to compare",
            "shorten blockLength or lengthen minDuration",
        )
    if analysis.get("marginalScore", 75) > analysis.get("passScore", 95):
        yield problem(
            doc,
            ("analysis", "marginalScore"),
            "marginalScore is above passScore",
            "make marginalScore ≤ passScore",
        )
    protocol = get(data, "server", "protocol", default="json")
    json_path = get(data, "load", "agreement", "jsonPath", default="$")
    for i, metric in items(data, "analysis", "metrics"):
        yield from _check_metric(doc, i, metric, protocol)
        if metric["type"] == "agreement" and json_path == "$":
            yield _whole_body_agreement(data, doc, i)
    yield from unique_names(doc, ("analysis", "metrics"), items(data, "analysis", "metrics"), "metric")


def _whole_body_agreement(data: Doc, doc: Document, i: int) -> RawProblem:
    """Comparing whole bodies almost always "disagrees": they carry the model version, ids, times."""
    explicit = get(data, "load", "agreement", "jsonPath") is not None
    at: Path = ("load", "agreement", "jsonPath") if explicit else ("analysis", "metrics", i, "type")
    return problem(
        doc,
        at,
        "agreement compares whole response bodies (load.agreement.jsonPath is '$'); bodies that "
        "include a model version, an id or a timestamp never agree",
        "point load.agreement.jsonPath at the prediction, e.g. `$.label` or `$.predictions[0]`",
        severity="warning",
    )


def _check_metric(doc: Document, i: int, metric: Doc, protocol: str) -> Iterator[RawProblem]:
    at = ("analysis", "metrics", i)
    kind = metric["type"]
    if kind in STREAMING and protocol != "openai":
        yield problem(
            doc,
            (*at, "type"),
            f"metric type '{kind}' needs a streaming (openai) server, server.protocol is '{protocol}'",
            "remove the metric or use protocol: openai",
        )
    for kinds, wrong, right, better, change in _DIRECTIONS:
        if kind in kinds and wrong in metric:
            yield problem(
                doc,
                (*at, wrong),
                f"{kind} is {better}-is-better: {change} is never a regression",
                f"use {right}",
                key=True,
            )
    if "quantile" in metric and kind not in ("latency", "ttft", "itl"):
        yield problem(
            doc,
            (*at, "quantile"),
            f"quantile is ignored for type '{kind}'",
            "remove it",
            severity="warning",
            key=True,
        )
    # A prometheus block on another type, and a metric without slo or margin, are schema errors.
    slo = metric.get("slo", {})
    if "min" in slo and "max" in slo and slo["min"] > slo["max"]:
        yield problem(doc, (*at, "slo"), "slo.min is above slo.max: no value can pass", "swap them")
    if kind in FRACTIONS:
        for bound in ("min", "max"):
            if bound in slo and not 0 <= slo[bound] <= 1:
                yield problem(
                    doc,
                    (*at, "slo", bound),
                    f"{kind} is a fraction between 0 and 1, got {slo[bound]}",
                    f"write {slo[bound] / 100:g} for {slo[bound]} %",
                )
