"""Semantic checks of `load.workload` (see `rules` for the conventions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec.rules import problem
from ai_deploy_ci.spec.walk import Doc, get
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem


def check_workload(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    load = get(data, "load", default={})
    workload = load.get("workload") if isinstance(load, dict) else None
    if not isinstance(workload, dict):
        return
    for other in ("payloads", "payloadsFile"):
        if other in load:
            yield problem(doc, ("load", "workload"), f"both workload and {other} are set",
                          "keep one of them: the workload generates the payloads", key=True)
    for key in ("promptTokens", "outputTokens"):
        lengths = workload.get(key)
        if isinstance(lengths, dict) and lengths.get("min") is not None and lengths.get("max") is not None \
                and lengths["min"] > lengths["max"]:
            yield problem(doc, ("load", "workload", key, "max"),
                          f"max {lengths['max']} is below min {lengths['min']}", "swap them")
    if "datasetFormat" in workload and "dataset" not in workload:
        yield problem(doc, ("load", "workload", "datasetFormat"), "datasetFormat without a dataset",
                      "add dataset: <file>, or remove datasetFormat", key=True)
    if "dataset" in workload and "promptTokens" in workload:
        yield problem(doc, ("load", "workload", "promptTokens"), "promptTokens is ignored with a dataset",
                      "remove promptTokens (the dataset's prompts are sent)", severity="warning", key=True)
