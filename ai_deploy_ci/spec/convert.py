"""Turn a validated document (plain dicts, camelCase) into the frozen `Spec` dataclasses.

Only called after schema and rules passed, so it may index without checks; defaults live in
the dataclasses (one place), here only where YAML and Python shapes differ (durations become
seconds, `pause: {}` becomes an open-ended pause, pairs become tuples).
"""

from __future__ import annotations

import math
from typing import Any

from ai_deploy_ci.spec import model as m
from ai_deploy_ci.spec.convert_load import analysis_section, load_section
from ai_deploy_ci.spec.durations import parse_duration
from ai_deploy_ci.spec.walk import Doc, get
from ai_deploy_ci.spec.walk import kw as _kw
from ai_deploy_ci.spec.yaml_positions import Document


def _probe(raw: Doc | None) -> m.Probe | None:
    if raw is None:
        return None
    return m.Probe(
        **_kw(
            raw,
            {
                "path": "path",
                "port": "port",
                "initialDelaySeconds": "initial_delay_seconds",
                "periodSeconds": "period_seconds",
                "timeoutSeconds": "timeout_seconds",
                "failureThreshold": "failure_threshold",
            },
        )
    )


def _server(raw: Doc) -> m.Server:
    res = raw.get("resources", {})
    resources = m.Resources(
        requests={k: str(v) for k, v in res.get("requests", {}).items()},
        limits={k: str(v) for k, v in res.get("limits", {}).items()},
        gpus=res.get("gpus", 0),
    )
    probes = raw.get("probes", {})
    volumes = tuple(
        m.Volume(
            **_kw(
                v,
                {
                    "name": "name",
                    "mountPath": "mount_path",
                    "readOnly": "read_only",
                    "persistentVolumeClaim": "persistent_volume_claim",
                    "configMap": "config_map",
                    "emptyDir": "empty_dir",
                    "hostPath": "host_path",
                },
            )
        )
        for v in raw.get("volumes", [])
    )
    return m.Server(
        image=raw.get("image"),
        resources=resources,
        readiness=_probe(probes.get("readiness")),
        liveness=_probe(probes.get("liveness")),
        startup=_probe(probes.get("startup")),
        command=tuple(raw.get("command", ())),
        args=tuple(raw.get("args", ())),
        env=dict(raw.get("env", {})),
        node_selector=dict(raw.get("nodeSelector", {})),
        tolerations=tuple(m.Toleration(**t) for t in raw.get("tolerations", [])),
        volumes=volumes,
        **_kw(
            raw,
            {
                "version": "version",
                "port": "port",
                "protocol": "protocol",
                "modelName": "model_name",
                "replicas": "replicas",
                "terminationGracePeriodSeconds": "termination_grace_period_seconds",
                "preStopSleepSeconds": "pre_stop_sleep_seconds",
                "manifest": "manifest",
            },
        ),
    )


def _step(raw: Doc) -> m.CanaryStep:
    if "setWeight" in raw:
        return m.CanaryStep(set_weight=raw["setWeight"])
    if "pause" in raw:
        duration = raw["pause"].get("duration")
        return m.CanaryStep(pause=math.inf if duration is None else parse_duration(duration))
    duration = raw["analysis"].get("duration")
    return m.CanaryStep(analysis=m.Analysis(duration=None if duration is None else parse_duration(duration)))


# strategy blocks that are only renamed keys: type literal → (Strategy field, class, keys, durations)
_PLAIN_BLOCKS: dict[str, tuple[str, type, dict[str, str], tuple[str, ...]]] = {
    "blueGreen": (
        "blue_green",
        m.BlueGreenStrategy,
        {
            "previewService": "preview_service",
            "autoPromote": "auto_promote",
            "scaleDownDelay": "scale_down_delay",
            "prePromotionAnalysis": "pre_promotion_analysis",
        },
        ("scaleDownDelay",),
    ),
    "shadow": (
        "shadow",
        m.ShadowStrategy,
        {"mirrorPercent": "mirror_percent", "duration": "duration", "compareOutputs": "compare_outputs"},
        ("duration",),
    ),
}


def _strategy(raw: Doc) -> m.Strategy:
    kind = raw["type"]
    block = raw.get(kind, {})
    extra: dict[str, Any] = {}
    if kind in _PLAIN_BLOCKS:
        attr, cls, fields, durations = _PLAIN_BLOCKS[kind]
        extra[attr] = cls(**_kw(block, fields, durations))
    elif kind == "rolling":
        fields = {"maxSurge": "max_surge", "maxUnavailable": "max_unavailable"}
        extra["rolling"] = m.RollingStrategy(**{k: str(v) for k, v in _kw(block, fields).items()})
    elif kind == "canary":
        extra["canary"] = m.CanaryStrategy(steps=tuple(_step(s) for s in block["steps"]))
    elif kind == "abTest":
        ((match_kind, pair),) = block["match"].items()
        extra["ab_test"] = m.AbTestStrategy(
            match=m.Match(**{match_kind: (pair["name"], pair["value"])}),
            **_kw(block, {"duration": "duration", "analysis": "analysis"}, ("duration",)),
        )
    return m.Strategy(
        type=kind, **extra, **_kw(raw, {"progressDeadlineSeconds": "progress_deadline_seconds"})
    )


def _router(raw: Doc, namespace: str) -> m.TrafficRouter:
    gateway = get(raw, "gatewayAPI", "gateway")
    return m.TrafficRouter(
        type=raw.get("type", "service"),
        service=raw.get("service"),
        http_route=get(raw, "gatewayAPI", "httpRoute"),
        mesh=bool(get(raw, "gatewayAPI", "mesh")),
        gateway=(gateway.get("namespace", namespace), gateway["name"]) if gateway else None,
        virtual_service=get(raw, "istio", "virtualService"),
        destination_rule=get(raw, "istio", "destinationRule"),
        hosts=tuple(raw.get("hosts", ())),
        ingress=get(raw, "nginx", "ingress"),
        **_kw(raw.get("nginx", {}), {"ingressClass": "ingress_class"}),
    )


def to_spec(data: Doc, doc: Document, source: str | None = None) -> m.Spec:
    """The `Spec` of a document that passed validation (errors here would be our bug)."""
    meta = data["metadata"]
    metadata = m.Metadata(
        name=meta["name"], namespace=meta.get("namespace", "default"), labels=dict(meta.get("labels", {}))
    )
    return m.Spec(
        metadata=metadata,
        server=_server(data["server"]),
        strategy=_strategy(data["strategy"]),
        traffic_router=_router(data.get("trafficRouter", {}), metadata.namespace),
        load=load_section(data.get("load", {})),
        analysis=analysis_section(data.get("analysis", {}), doc),
        rollback=m.RollbackPolicy(
            **_kw(
                data.get("rollback", {}),
                {"onFailure": "on_failure", "onInconclusive": "on_inconclusive", "timeout": "timeout"},
                ("timeout",),
            )
        ),
        report=m.ReportOptions(
            **_kw(
                data.get("report", {}),
                {
                    "title": "title",
                    "target": "target",
                    "comment": "comment",
                    "summary": "summary",
                    "charts": "charts",
                    "artifactUrl": "artifact_url",
                },
            )
        ),
        source=source,
    )
