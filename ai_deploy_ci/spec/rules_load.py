"""Semantic checks of the `load` and `analysis` sections (see `rules` for the conventions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec.durations import parse_duration
from ai_deploy_ci.spec.rules import problem
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
    names: dict[str, int] = {}
    for i, metric in items(data, "analysis", "metrics"):
        yield from _check_metric(doc, i, metric, protocol)
        if metric["name"] in names:
            yield problem(
                doc,
                ("analysis", "metrics", i, "name"),
                f"metric name '{metric['name']}' is used twice (first at metrics[{names[metric['name']]}])",
                "give each metric its own name",
            )
        names.setdefault(metric["name"], i)


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
    if kind in LOWER_IS_BETTER and "maxDecrease" in metric:
        yield problem(
            doc,
            (*at, "maxDecrease"),
            f"{kind} is lower-is-better: a decrease is never a regression",
            "use maxIncrease",
            key=True,
        )
    if kind in HIGHER_IS_BETTER and "maxIncrease" in metric:
        yield problem(
            doc,
            (*at, "maxIncrease"),
            f"{kind} is higher-is-better: an increase is never a regression",
            "use maxDecrease",
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
    if "prometheus" in metric and kind != "prometheus":
        yield problem(
            doc,
            (*at, "prometheus"),
            f"prometheus is ignored for type '{kind}'",
            "remove it or set type: prometheus",
            severity="warning",
            key=True,
        )
    slo = metric.get("slo", {})
    if not slo and "maxIncrease" not in metric and "maxDecrease" not in metric:
        yield problem(
            doc,
            at,
            f"metric '{metric['name']}' checks nothing",
            "add `slo: {max: …}` and/or a margin (maxIncrease / maxDecrease)",
        )
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
