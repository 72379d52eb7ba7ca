"""Defaults kube-apiserver fills in on write, so objects read back look like a real cluster's
(clients diff against them; e.g. the Deployment's 25 % / 25 % rolling update)."""

from __future__ import annotations

from typing import Any

from . import hpa_rules


def _container(c: dict[str, Any]) -> None:
    image = str(c.get("image", ""))
    tag = image.rsplit("/", 1)[-1]
    latest = "@" not in image and (":" not in tag or tag.endswith(":latest"))
    c.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    for p in c.get("ports") or []:
        p.setdefault("protocol", "TCP")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if isinstance(c.get(probe), dict):
            pr = c[probe]
            for k, v in (
                ("timeoutSeconds", 1),
                ("periodSeconds", 10),
                ("successThreshold", 1),
                ("failureThreshold", 3),
            ):
                pr.setdefault(k, v)
            if isinstance(pr.get("httpGet"), dict):
                pr["httpGet"].setdefault("path", "/")
                pr["httpGet"].setdefault("scheme", "HTTP")
    for e in c.get("env") or []:
        if "valueFrom" in e and isinstance(e["valueFrom"].get("fieldRef"), dict):
            e["valueFrom"]["fieldRef"].setdefault("apiVersion", "v1")


def _requests_from_limits(spec: dict[str, Any]) -> None:
    """core/v1 `SetDefaults_Pod`: a limit without a request defaults the request to the limit
    (Pods only; a Deployment's template keeps what was written)."""
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            res = c.get("resources")
            if isinstance(res, dict) and isinstance(res.get("limits"), dict) and res["limits"]:
                requests = res.setdefault("requests", {})
                for name, value in res["limits"].items():
                    requests.setdefault(name, value)


def pod_spec(spec: dict[str, Any], restart: str | None = "Always") -> None:
    if restart:  # a Job's template must say OnFailure or Never itself
        spec.setdefault("restartPolicy", restart)
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            _container(c)


def apply(obj: dict[str, Any]) -> None:
    """Fill defaults in place for the kinds whose defaults clients rely on."""
    kind = obj.get("kind")
    if kind == "Secret":
        import base64

        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None) or {}
        if string_data:
            data = obj.setdefault("data", {})
            data.update({k: base64.b64encode(str(v).encode()).decode() for k, v in string_data.items()})
        return
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        if kind in ("Namespace",):
            obj["spec"] = {"finalizers": ["kubernetes"]}
        return
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        tmpl_spec = spec.setdefault("template", {}).setdefault("spec", {})
        pod_spec(tmpl_spec)
    if kind == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.setdefault("rollingUpdate", {})
            ru.setdefault("maxSurge", "25%")
            ru.setdefault("maxUnavailable", "25%")
    elif kind == "Job":
        for k, v in (
            ("parallelism", 1),
            ("completions", 1),
            ("backoffLimit", 6),
            ("completionMode", "NonIndexed"),
            ("suspend", False),
        ):
            spec.setdefault(k, v)
        pod_spec(spec.setdefault("template", {}).setdefault("spec", {}), None)
    elif kind == "Pod":
        pod_spec(spec)
        _requests_from_limits(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        tolerations = spec.setdefault("tolerations", [])
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            if not any(t.get("key") == key for t in tolerations):
                tolerations.append(
                    {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                )
    elif kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
    elif kind == "HorizontalPodAutoscaler":
        hpa_rules.apply_defaults(spec)
