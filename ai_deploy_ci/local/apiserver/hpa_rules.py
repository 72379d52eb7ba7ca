"""HorizontalPodAutoscaler (autoscaling/v2) defaulting and validation, as kube-apiserver.

Defaults follow pkg/apis/autoscaling/v2/defaults.go `SetDefaults_HorizontalPodAutoscaler`
(minReplicas 1; no metrics → CPU utilisation 80 %) and `SetDefaults_HorizontalPodAutoscalerBehavior`
(`GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: only when `behavior` is given). Validation
follows pkg/apis/autoscaling/validation/validation.go `ValidateHorizontalPodAutoscalerSpec`,
`validateMetrics`, `validateBehavior` (422 causes with the same field paths).
"""

from __future__ import annotations

import copy
from typing import Any

Cause = tuple[str, str, str]
DEFAULT_CPU_UTILIZATION = 80  # autoscaling.DefaultCPUUtilization
SCALE_UP_DEFAULT = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
SCALE_DOWN_DEFAULT = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}
MAX_STABILIZATION = 3600  # MaxStabilizationWindowSeconds
MAX_PERIOD = 1800  # MaxPeriodSeconds
METRIC_SOURCES = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}


def apply_defaults(spec: dict[str, Any]) -> None:
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION},
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for key, default in (("scaleUp", SCALE_UP_DEFAULT), ("scaleDown", SCALE_DOWN_DEFAULT)):
            rules = behavior.get(key)
            if not isinstance(rules, dict):
                behavior[key] = copy.deepcopy(default)
                continue
            for field, value in default.items():
                rules.setdefault(field, copy.deepcopy(value))


def _invalid(path: str, value: Any, message: str) -> Cause:
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    return (path, "FieldValueInvalid", f"Invalid value: {shown}: {message}")


def _required(path: str, message: str = "") -> Cause:
    return (path, "FieldValueRequired", f"Required value{': ' + message if message else ''}")


def _metric_causes(metrics: list[Any]) -> list[Cause]:
    out: list[Cause] = []
    for i, m in enumerate(metrics):
        at = f"spec.metrics[{i}]"
        kind = m.get("type") if isinstance(m, dict) else None
        if not kind:
            out.append(_required(f"{at}.type", "must specify a metric source type"))
            continue
        if kind not in METRIC_SOURCES:
            out.append((f"{at}.type", "FieldValueNotSupported", f'Unsupported value: "{kind}"'))
            continue
        key = METRIC_SOURCES[kind]
        source = m.get(key)
        if not isinstance(source, dict):
            out.append(_required(f"{at}.{key}", "must populate information for the given metric source"))
            continue
        if kind in ("Resource", "ContainerResource") and not source.get("name"):
            out.append(_required(f"{at}.{key}.name", "must specify a resource name"))
        target = source.get("target") or {}
        tpath = f"{at}.{key}.target"
        ttype = target.get("type")
        if not ttype:
            out.append(_required(f"{tpath}.type", "must specify a metric target type"))
        elif ttype not in ("Utilization", "Value", "AverageValue"):
            out.append(_invalid(f"{tpath}.type", ttype, "must be either Utilization, Value, or AverageValue"))
        util = target.get("averageUtilization")
        if isinstance(util, int) and util <= 0:
            out.append(_invalid(f"{tpath}.averageUtilization", util, "must be greater than 0"))
        if ttype == "Utilization" and util is None:
            out.append(
                _required(
                    f"{tpath}.averageUtilization",
                    "must set either a target raw value or a target utilization",
                )
            )
        if kind in ("Resource", "ContainerResource") and ttype == "Value":
            out.append(_invalid(f"{tpath}.type", ttype, "must be either Utilization or AverageValue"))
    return out


def _behavior_causes(behavior: dict[str, Any]) -> list[Cause]:
    out: list[Cause] = []
    for key in ("scaleUp", "scaleDown"):
        rules = behavior.get(key)
        if not isinstance(rules, dict):
            continue
        at = f"spec.behavior.{key}"
        window = rules.get("stabilizationWindowSeconds")
        if isinstance(window, int) and not 0 <= window <= MAX_STABILIZATION:
            out.append(
                _invalid(
                    f"{at}.stabilizationWindowSeconds",
                    window,
                    f"must be less than or equal to {MAX_STABILIZATION}"
                    if window > 0
                    else "must be greater than or equal to zero",
                )
            )
        policies = rules.get("policies")
        if policies is not None and not policies and rules.get("selectPolicy") != "Disabled":
            out.append(_required(f"{at}.policies", "must specify at least one Policy"))
        for j, p in enumerate(policies or []):
            ppath = f"{at}.policies[{j}]"
            period = p.get("periodSeconds", 0)
            if not 0 < period <= MAX_PERIOD:
                out.append(
                    _invalid(
                        f"{ppath}.periodSeconds",
                        period,
                        "must be greater than zero and less than or equal to 1800",
                    )
                )
            if p.get("value", 0) <= 0:
                out.append(_invalid(f"{ppath}.value", p.get("value", 0), "must be greater than zero"))
    return out


def causes(spec: dict[str, Any]) -> list[Cause]:
    """Every cause `ValidateHorizontalPodAutoscalerSpec` reports for `spec` (already defaulted)."""
    out: list[Cause] = []
    low = spec.get("minReplicas")
    high = spec.get("maxReplicas", 0)
    if isinstance(low, int) and low < 1:
        out.append(_invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if isinstance(high, int) and high < 1:
        out.append(_invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        out.append(_invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind"):
        out.append(_required("spec.scaleTargetRef.kind"))
    if not ref.get("name"):
        out.append(_required("spec.scaleTargetRef.name"))
    out += _metric_causes(spec.get("metrics") or [])
    if isinstance(spec.get("behavior"), dict):
        out += _behavior_causes(spec["behavior"])
    return out
