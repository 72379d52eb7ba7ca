"""Zero-downtime lint: legal settings that drop requests during a rollout. Warnings only.

Each warning names the mechanism (what Kubernetes does) so the user can judge. Cluster facts
(free GPUs, PodDisruptionBudgets) are checked in preflight, where the cluster is reachable;
here we only warn from the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec.rules import problem
from ai_deploy_ci.spec.walk import Doc, get, items
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

FEW_REPLICAS = 3


def unavailable_pods(value: int | str, replicas: int) -> int:
    """Pods Kubernetes may take down at once: percentages round down, as the Deployment controller does.

    >>> unavailable_pods("25%", 3), unavailable_pods("50%", 3), unavailable_pods(1, 2)
    (0, 1, 1)
    """
    if isinstance(value, str):
        return int(value.rstrip("%")) * replicas // 100
    return value


def lint(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    server = get(data, "server", default={})
    strategy = get(data, "strategy", "type")
    replicas = server.get("replicas", 1)
    if "manifest" not in server and get(server, "probes", "readiness") is None:
        yield problem(
            doc,
            ("server",),
            "no readiness probe: pods get traffic before the model is loaded",
            "add `probes: {readiness: {path: /health}}`",
            severity="warning",
            key=True,
        )
    if "manifest" not in server and not server.get("preStopSleepSeconds"):
        yield problem(
            doc,
            ("server",),
            "no preStop sleep: the pod gets SIGTERM while endpoints still send it requests, which then fail",
            "add `preStopSleepSeconds: 5`",
            severity="warning",
            key=True,
        )
    if "manifest" not in server and server.get("terminationGracePeriodSeconds") == 0:
        yield problem(
            doc,
            ("server", "terminationGracePeriodSeconds"),
            "no termination grace: in-flight requests are cut at SIGKILL",
            "allow your longest request, e.g. 60",
            severity="warning",
        )
    if strategy == "rolling":
        value = get(data, "strategy", "rolling", "maxUnavailable", default=0)
        down = unavailable_pods(value, replicas)
        if down > 0 and replicas <= FEW_REPLICAS:
            yield problem(
                doc,
                ("strategy", "rolling", "maxUnavailable"),
                f"with {replicas} replica(s), maxUnavailable {value} takes {down} pod(s) out of "
                f"service at once: {round(100 * down / replicas)} % capacity lost during the rollout",
                "use maxUnavailable: 0 and maxSurge: 1",
                severity="warning",
            )
    if strategy == "recreate":
        yield problem(
            doc,
            ("strategy", "type"),
            "recreate stops every old pod before new ones are ready: "
            "requests fail until the new model has loaded",
            "use rolling or blueGreen for zero downtime",
            severity="warning",
        )
    gpus = get(server, "resources", "gpus", default=0)
    if strategy == "blueGreen" and gpus:
        yield problem(
            doc,
            ("server", "resources", "gpus"),
            f"blueGreen runs both versions at full size: {2 * replicas * gpus} GPUs "
            f"({replicas} replicas × {gpus} GPU × 2); preflight checks the cluster has them",
            "make sure the GPU node pool can hold both versions",
            severity="warning",
        )
    yield from _coarse_weights(data, doc, replicas)
    yield from _unjudgeable(data, doc)


def _unjudgeable(data: Doc, doc: Document) -> Iterator[RawProblem]:
    """Which metrics a strategy can judge: recreate never runs an old pod beside a new one, so a
    comparison with the baseline (`maxIncrease`, `maxDecrease`, agreement) has nothing to compare
    with and would silently do nothing; only absolute `slo` bounds are judged. (Rolling pauses
    after its first new pods and compares them with the old ones, so it judges everything.)"""
    if get(data, "strategy", "type") != "recreate":
        return
    for i, metric in items(data, "analysis", "metrics"):
        relative = [k for k in ("maxIncrease", "maxDecrease") if k in metric]
        if metric.get("type") == "agreement":
            relative.append("agreement")
        for key in relative:
            yield problem(
                doc,
                ("analysis", "metrics", i, key if key != "agreement" else "type"),
                f"recreate runs no old pod beside the new one: {key} of metric "
                f"{metric.get('name')!r} has no baseline and is not judged (only its slo is)",
                "use an slo bound for this metric, or rolling / canary to compare with the running version",
                severity="warning",
            )


def _coarse_weights(data: Doc, doc: Document, replicas: int) -> Iterator[RawProblem]:
    """The replicas router can only give the candidate a share of whole pods."""
    if get(data, "trafficRouter", "type") != "replicas" or get(data, "strategy", "type") != "canary":
        return
    for i, step in items(data, "strategy", "canary", "steps"):
        weight = get(step, "setWeight")
        if isinstance(weight, int) and weight * replicas % 100:
            yield problem(
                doc,
                ("strategy", "canary", "steps", i, "setWeight"),
                f"the replicas router splits by whole pods: with {replicas} replicas, "
                f"{weight} % is approximated",
                f"pick weights that are multiples of {100 / replicas:g} % or add replicas",
                severity="warning",
            )
