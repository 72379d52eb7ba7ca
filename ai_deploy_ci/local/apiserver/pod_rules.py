"""Pod-spec resources and rolling-update rules of kube-apiserver (422 Invalid causes).

Container resources follow core/validation `ValidateResourceRequirements` (the rule itself is in
`ai_deploy_ci.spec.k8s_resources`, shared with `validate`); the rolling update follows
apps/validation `ValidateRollingUpdateDeployment`. Quantities are canonical here already
(`quantities.canonicalize` ran at decode time), so messages show the stored text.
"""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.spec.k8s_resources import resource_causes

Cause = tuple[str, str, str]


def container_causes(spec: dict[str, Any], where: str) -> list[Cause]:
    """Resource causes of every container and init container of a pod spec."""
    out: list[Cause] = []
    for key in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(key) or []):
            if isinstance(c, dict):
                out += resource_causes(c.get("resources"), f"{where}.{key}[{i}].resources")
    return out


def _is_zero(value: Any) -> bool:
    """An IntOrString of 0 or "0%" (apps validation `getIntOrPercentValue` == 0)."""
    return value in (0, "0", "0%")


def rolling_update_causes(spec: dict[str, Any]) -> list[Cause]:
    """`ValidateRollingUpdateDeployment`: maxUnavailable may not be 0 when maxSurge is 0."""
    strategy = spec.get("strategy") or {}
    ru = strategy.get("rollingUpdate") if isinstance(strategy, dict) else None
    if not isinstance(ru, dict) or strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return []
    if _is_zero(ru.get("maxSurge")) and _is_zero(ru.get("maxUnavailable")):
        shown = ru.get("maxUnavailable")
        text = f'"{shown}"' if isinstance(shown, str) else str(shown)
        return [
            (
                "spec.strategy.rollingUpdate.maxUnavailable",
                "FieldValueInvalid",
                f"Invalid value: {text}: may not be 0 when `maxSurge` is 0",
            )
        ]
    return []
