"""Semantic checks of `analysis.capacity` (see `rules` for the conventions): what the schema
cannot say about a rate sweep."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec.rules import problem
from ai_deploy_ci.spec.walk import Doc, get
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

PER_REQUEST_SLO_TYPES = {"latency", "ttft", "itl"}


def check_capacity(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    cap = get(data, "analysis", "capacity")
    if not isinstance(cap, dict):
        return
    rates = cap.get("rates", [])
    for i, (a, b) in enumerate(itertools.pairwise(rates), 1):
        if b <= a:
            yield problem(doc, ("analysis", "capacity", "rates", i),
                          f"rates must increase: {b:g} follows {a:g}",
                          "list the offered rates (requests/s per target) from low to high")
            break
    metrics = get(data, "analysis", "metrics", default=[])
    bounded = [m for m in metrics if isinstance(m, dict) and m.get("type") in PER_REQUEST_SLO_TYPES
               and (m.get("slo") or {}).get("max") is not None]
    if not bounded:
        yield problem(doc, ("analysis", "capacity"),
                      "no latency, ttft or itl metric has an slo.max: capacity counts every successful "
                      "request as good, however slow",
                      "give a latency, ttft or itl metric an slo.max (the per-request bound of goodput)",
                      severity="warning", key=True)
