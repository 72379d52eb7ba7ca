"""Deployment and Service manifests from the spec (or from the user's own Deployment).

Two tracks share one app label and differ in `ai-deploy-ci.io/track`: `<name>` is the stable
Deployment, `<name>-candidate` the new version while it is being judged. Promotion copies the
candidate's pod template into the stable Deployment (Azure k8s-deploy's promote does the same),
so after any run there is one Deployment named after the model, as users expect.
Run id, commit and PR go into metadata annotations only: stamping them on the pod template
would restart every pod on every run.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ai_deploy_ci.plan.model import (
    ANN_COMMIT,
    ANN_PR,
    ANN_RUN,
    LABEL_MANAGED,
    LABEL_MODEL,
    LABEL_NAME,
    LABEL_TRACK,
    LABEL_VERSION,
    MANAGED_BY,
    Manifest,
)
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import Probe, Spec, Volume

Track = Literal["stable", "candidate"]
CONTAINER = "server"
GPU = "nvidia.com/gpu"


@dataclass(frozen=True)
class Names:
    """Every object name a run uses, derived once from the spec."""

    name: str
    namespace: str
    stable: str
    candidate: str
    service: str  # the stable (public) Service
    candidate_service: str
    baseline_service: str  # a stable-track-only Service for load tests (== service unless mixed)

    @classmethod
    def of(cls, spec: Spec, mixed_stable_service: bool = False) -> Names:
        name = spec.metadata.name
        bg = spec.strategy.blue_green
        preview = (bg.preview_service if bg else None) or f"{name}-preview"
        service = spec.traffic_router.service or name
        return cls(
            name=name,
            namespace=spec.metadata.namespace,
            stable=name,
            candidate=f"{name}-candidate",
            service=service,
            candidate_service=preview if spec.strategy.type == "blueGreen" else f"{name}-candidate",
            baseline_service=f"{name}-stable" if mixed_stable_service else service,
        )


def labels(spec: Spec, track: Track | None = None) -> dict[str, str]:
    out = {
        **spec.metadata.labels,
        LABEL_NAME: spec.metadata.name,
        LABEL_MANAGED: MANAGED_BY,
        LABEL_MODEL: spec.metadata.name,
    }
    if track:
        out[LABEL_TRACK] = track
    return out


def run_annotations(state: ObservedState) -> dict[str, str]:
    out = {ANN_RUN: state.run.run_id}
    if state.run.commit:
        out[ANN_COMMIT] = state.run.commit
    if state.run.pull_request is not None:
        out[ANN_PR] = str(state.run.pull_request)
    return out


def selector(spec: Spec, track: Track | None) -> dict[str, str]:
    """The pod selector: a track, or both tracks (replicas router, Istio subsets)."""
    sel = {LABEL_NAME: spec.metadata.name}
    if track:
        sel[LABEL_TRACK] = track
    return sel


def total_replicas(spec: Spec, state: ObservedState) -> int:
    """`server.replicas`, or the user's manifest's `spec.replicas` when `server.manifest` is given
    ("everything else stays as you wrote it": 3 must not become the default 1)."""
    if state.manifest is not None and isinstance(state.manifest.get("spec", {}).get("replicas"), int):
        return int(state.manifest["spec"]["replicas"])
    return spec.server.replicas


def deployment_selector(spec: Spec, state: ObservedState, track: Track) -> dict[str, Any]:
    """The Deployment's selector. It is immutable, so stable keeps the live one; a user's
    manifest keeps its own (the candidate's adds the tool's track labels so the two never overlap);
    otherwise the tool's."""
    if track == "stable" and state.stable is not None and state.stable.get("spec", {}).get("selector"):
        return copy.deepcopy(state.stable["spec"]["selector"])
    own = ((state.manifest or {}).get("spec", {}).get("selector") or {}).get("matchLabels")
    if own:
        extra = {} if track == "stable" else selector(spec, track)
        return {"matchLabels": {**own, **extra}}
    return {"matchLabels": selector(spec, track)}


def deployment(
    spec: Spec, state: ObservedState, *, name: str, track: Track, replicas: int, version: str | None = None
) -> Manifest:
    """The Deployment for one track, running the candidate's version unless told otherwise."""
    version = version or spec.server.version
    template = pod_template(spec, state)
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = {
        **tmeta.get("labels", {}),
        **selector(spec, track),
        LABEL_VERSION: version,
        LABEL_MODEL: spec.metadata.name,
    }
    strategy: Manifest
    if spec.strategy.type == "recreate":
        strategy = {"type": "Recreate"}
    else:
        rolling = spec.strategy.rolling
        surge, unavailable = (rolling.max_surge, rolling.max_unavailable) if rolling else ("25%", "0")
        strategy = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": _int_or_str(surge), "maxUnavailable": _int_or_str(unavailable)},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": spec.metadata.namespace,
            "labels": {**labels(spec, track), LABEL_VERSION: version},
            "annotations": run_annotations(state),
        },
        "spec": {
            "replicas": replicas,
            "selector": deployment_selector(spec, state, track),
            "strategy": strategy,
            "progressDeadlineSeconds": spec.strategy.progress_deadline_seconds,
            "revisionHistoryLimit": 10,
            "template": template,
        },
    }


def service(spec: Spec, state: ObservedState, *, name: str, track: Track | None) -> Manifest:
    port = spec.server.port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": spec.metadata.namespace,
            "labels": labels(spec),
            "annotations": run_annotations(state),
        },
        "spec": {
            "selector": selector(spec, track),
            "ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}],
        },
    }


def rescale(live: Manifest, replicas: int, state: ObservedState) -> Manifest:
    """The live Deployment with another replica count (the `replicas` router's weights)."""
    out = strip(live)
    out["spec"]["replicas"] = replicas
    out["metadata"].setdefault("annotations", {}).update(run_annotations(state))
    return out


def set_directive(obj: Manifest, key: str, data: Mapping[str, Any]) -> Manifest:
    """Attach an executor directive: annotation `key` holding `data` as JSON (returns `obj`).
    The executor reads it with `directive` and writes the object `without_annotation(key)`."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    obj["metadata"].setdefault("annotations", {})[key] = text
    return obj


def directive(obj: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The directive `set_directive` attached under `key`, or None."""
    raw = (obj.get("metadata", {}).get("annotations") or {}).get(key)
    return dict(json.loads(raw)) if raw else None


def without_annotation(obj: Manifest, key: str) -> Manifest:
    """A copy of `obj` without annotation `key` (and without an annotations map left empty):
    how the executor consumes a directive annotation (`routers.merge`, `plan.autoscaling`)."""
    out = copy.deepcopy(obj)
    ann = out.get("metadata", {}).get("annotations")
    if ann is not None:
        ann.pop(key, None)
        if not ann:
            out["metadata"].pop("annotations")
    return out


def strip(live: Manifest) -> Manifest:
    """A live object reduced to what a client writes: no status, no server-set metadata."""
    out = copy.deepcopy(live)
    out.pop("status", None)
    meta = out.get("metadata", {})
    for key in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink"):
        meta.pop(key, None)
    return out


def pod_template(spec: Spec, state: ObservedState) -> Manifest:
    """From the user's Deployment manifest when given, else generated from `server`."""
    if state.manifest is not None:
        return copy.deepcopy(state.manifest["spec"]["template"])
    s = spec.server
    container: Manifest = {
        "name": CONTAINER,
        "image": s.image,
        "ports": [{"name": "http", "containerPort": s.port, "protocol": "TCP"}],
        "env": [{"name": "MODEL_VERSION", "value": s.version}]
        + [{"name": k, "value": v} for k, v in sorted(s.env.items()) if k != "MODEL_VERSION"],
    }
    if s.command:
        container["command"] = list(s.command)
    if s.args:
        container["args"] = list(s.args)
    resources: Manifest = {}
    if s.resources.requests:
        resources["requests"] = dict(s.resources.requests)
    limits = dict(s.resources.limits)
    if s.resources.gpus:
        limits[GPU] = str(s.resources.gpus)
    if limits:
        resources["limits"] = limits
    if resources:
        container["resources"] = resources
    for key, probe in (
        ("readinessProbe", s.readiness),
        ("livenessProbe", s.liveness),
        ("startupProbe", s.startup),
    ):
        if probe is not None:
            container[key] = _probe(probe, s.port)
    if s.pre_stop_sleep_seconds:
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": s.pre_stop_sleep_seconds}}}
    if s.volumes:
        container["volumeMounts"] = [
            {"name": v.name, "mountPath": v.mount_path, "readOnly": v.read_only} for v in s.volumes
        ]
    pod: Manifest = {
        "containers": [container],
        "terminationGracePeriodSeconds": s.termination_grace_period_seconds,
    }
    if s.node_selector:
        pod["nodeSelector"] = dict(s.node_selector)
    if s.tolerations:
        pod["tolerations"] = [
            {
                k: v
                for k, v in (
                    ("key", t.key),
                    ("operator", t.operator),
                    ("value", t.value),
                    ("effect", t.effect),
                )
                if v is not None
            }
            for t in s.tolerations
        ]
    if s.volumes:
        pod["volumes"] = [_volume(v) for v in s.volumes]
    return {"metadata": {"labels": {}}, "spec": pod}


def _probe(p: Probe, port: int) -> Manifest:
    return {
        "httpGet": {"path": p.path, "port": p.port or port},
        "initialDelaySeconds": p.initial_delay_seconds,
        "periodSeconds": p.period_seconds,
        "timeoutSeconds": p.timeout_seconds,
        "failureThreshold": p.failure_threshold,
    }


def _volume(v: Volume) -> Manifest:
    if v.persistent_volume_claim:
        return {
            "name": v.name,
            "persistentVolumeClaim": {"claimName": v.persistent_volume_claim, "readOnly": v.read_only},
        }
    if v.config_map:
        return {"name": v.name, "configMap": {"name": v.config_map}}
    if v.host_path:
        return {"name": v.name, "hostPath": {"path": v.host_path}}
    return {"name": v.name, "emptyDir": {}}


def _int_or_str(value: str | int) -> int | str:
    """Kubernetes' IntOrString: a bare number must be an int ("0" as a string is rejected)."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text
