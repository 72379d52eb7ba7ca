"""Conversion of the `load` and `analysis` sections (see `convert` for the conventions)."""

from __future__ import annotations

from dataclasses import replace

from ai_deploy_ci.spec import model as m
from ai_deploy_ci.spec.walk import Doc, get
from ai_deploy_ci.spec.walk import kw as _kw
from ai_deploy_ci.spec.yaml_positions import Document


def _target(raw: Doc | None) -> m.Target | None:
    return (
        None
        if raw is None
        else m.Target(url=raw.get("url"), service=raw.get("service"), port=raw.get("port"))
    )


def _stage(raw: Doc) -> m.LoadStage:
    stage = m.LoadStage(**_kw(raw, {"duration": "duration", "users": "users"}, ("duration",)))
    return stage if "rate" not in raw else m.LoadStage(stage.duration, stage.users, float(raw["rate"]))


def _lengths(raw: Doc | None) -> m.Lengths | None:
    keys = ("distribution", "value", "min", "max", "mean", "stddev")
    return None if raw is None else m.Lengths(**_kw(raw, {k: k for k in keys}))


def _workload(raw: Doc | None) -> m.Workload | None:
    if raw is None:
        return None
    prefix = raw.get("sharedPrefix")
    count = raw.get("count", 0 if "dataset" in raw else 100)  # a dataset: all of it unless capped
    return m.Workload(
        count=count, prompt_tokens=_lengths(raw.get("promptTokens")),
        output_tokens=_lengths(raw.get("outputTokens")),
        shared_prefix=None if prefix is None else m.SharedPrefix(prefix["tokens"], prefix.get("groups", 1)),
        **_kw(raw, {"seed": "seed", "dataset": "dataset", "datasetFormat": "dataset_format",
                    "multiTurn": "multi_turn"}))


def _request(raw: Doc) -> m.RequestOptions:
    return m.RequestOptions(path=str(raw.get("path", "")), method=raw.get("method", "POST"),
                            headers=tuple((str(k), str(v)) for k, v in (raw.get("headers") or {}).items()))


def load_section(raw: Doc) -> m.Load:
    stages = tuple(_stage(s) for s in raw.get("stages", ()))
    load = m.Load(
        stages=stages,
        payloads=tuple(raw.get("payloads", ())),
        baseline=_target(get(raw, "targets", "baseline")),
        candidate=_target(get(raw, "targets", "candidate")),
        availability=m.AvailabilityProbe(
            **_kw(
                raw.get("availabilityProbe", {}),
                {"enabled": "enabled", "url": "url", "path": "path", "rate": "rate", "timeout": "timeout"},
                ("timeout",),
            )
        ),
        request=_request(raw.get("request", {})),
        workload=_workload(raw.get("workload")),
        agreement=m.Agreement(
            **_kw(raw.get("agreement", {}), {"jsonPath": "json_path", "tolerance": "tolerance"})
        ),
        **_kw(
            raw,
            {
                "user": "user",
                "locustfile": "locustfile",
                "payloadsFile": "payloads_file",
                "model": "model",
                "users": "users",
                "spawnRate": "spawn_rate",
                "arrivalRate": "arrival_rate",
                "arrival": "arrival",
                "duration": "duration",
                "warmup": "warmup",
                "processes": "processes",
                "distributedWorkers": "distributed_workers",
                "maxTokens": "max_tokens",
                "ignoreEos": "ignore_eos",
            },
            ("duration", "warmup"),
        ),
    )
    # with stages (the schema forbids `duration` beside them) the measured duration is their sum
    return replace(load, duration=sum(st.duration for st in stages)) if stages else load


def _metric(raw: Doc, line: int) -> m.Metric:
    prom = raw.get("prometheus")
    return m.Metric(
        slo=m.Slo(**raw["slo"]) if "slo" in raw else None,
        prometheus=m.Prometheus(
            **_kw(
                prom,
                {"address": "address", "query": "query", "range": "range", "step": "step"},
                ("range", "step"),
            )
        )
        if prom
        else None,
        line=line,
        **_kw(
            raw,
            {
                "name": "name",
                "type": "type",
                "quantile": "quantile",
                "maxIncrease": "max_increase",
                "maxDecrease": "max_decrease",
                "critical": "critical",
                "weight": "weight",
            },
        ),
    )


def analysis_section(raw: Doc, doc: Document) -> m.AnalysisSpec:
    metrics = tuple(
        _metric(r, doc.where(("analysis", "metrics", i))[0]) for i, r in enumerate(raw.get("metrics", []))
    )
    cap = raw.get("capacity")
    return m.AnalysisSpec(
        metrics=metrics,
        capacity=None if cap is None else m.CapacitySpec(
            rates=tuple(float(r) for r in cap["rates"]), line=doc.where(("analysis", "capacity"))[0],
            **_kw(cap, {"stepDuration": "step_duration", "stepWarmup": "step_warmup", "margin": "margin",
                        "saturation": "saturation"}, ("stepDuration", "stepWarmup"))),
        **_kw(
            raw,
            {
                "blockLength": "block_length",
                "minDuration": "min_duration",
                "maxDuration": "max_duration",
                "confidence": "confidence",
                "onInconclusive": "on_inconclusive",
                "passScore": "pass_score",
                "marginalScore": "marginal_score",
            },
            ("blockLength", "minDuration", "maxDuration"),
        ),
    )
