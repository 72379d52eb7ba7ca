"""Preflight: is the route users take live? (issue #12: runs went ahead with no Gateway at all.)

Gateway API: the parent Gateway each planned HTTPRoute names must exist, and a live HTTPRoute of
that name must not be refused by its controller (`status.parents[].conditions`: `Accepted` or
`ResolvedRefs` False — the Gateway API spec's conditions for a route a Gateway would not serve).
A mesh (GAMMA) parent is the model's Service, which the run itself writes, so it is not checked
here. When the cluster does not serve the Gateway kind at all (only the HTTPRoute CRD, as on the
local environment) the parent cannot be checked: that is a warning, not a refusal.
Read only, like all of preflight.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan.model import ObjectRef, Plan

GROUP, VERSION = "gateway.networking.k8s.io", "v1"


def check_route_live(kube: Kube, plan: Plan) -> list[str]:
    """Raise ClusterError when the route cannot be live; return warnings for what cannot be checked."""
    if plan.router != "gatewayAPI":
        return []
    routes = [o for s in plan.steps for o in s.route_objects if o.get("kind") == "HTTPRoute"]
    if not routes:
        return []
    route = routes[0]
    warnings: list[str] = []
    for parent in route.get("spec", {}).get("parentRefs") or []:
        if parent.get("kind", "Gateway") != "Gateway":
            continue
        ns, name = parent.get("namespace") or plan.namespace, parent["name"]
        if not _gateways_served(kube):
            warnings.append(f"cannot check that Gateway {ns}/{name} exists: this cluster does not "
                            "serve the Gateway kind (only HTTPRoute); make sure a Gateway controller "
                            "serves the route")
            continue
        if kube.get(ObjectRef(f"{GROUP}/{VERSION}", "Gateway", ns, name)) is None:
            raise ClusterError(
                f"HTTPRoute {route['metadata']['name']} attaches to Gateway {ns}/{name}, which does "
                "not exist: no user request would reach either version",
                fix="create the Gateway, or set trafficRouter.gatewayAPI.gateway to an existing one "
                    "(`kubectl get gateways -A`); for mesh traffic use gatewayAPI.mesh: true",
            )
    live = kube.get(ObjectRef(f"{GROUP}/{VERSION}", "HTTPRoute", plan.namespace, route["metadata"]["name"]))
    refused = _refused(live)
    if refused:
        raise ClusterError(
            f"the live HTTPRoute {plan.namespace}/{route['metadata']['name']} is not served: {refused}",
            fix="fix what the condition says (`kubectl describe httproute`) before a rollout moves traffic",
        )
    return warnings


def _refused(route: dict[str, Any] | None) -> str:
    """'<parent>: <Type>=False (<reason>: <message>)' for the first refusing parent, else ''."""
    for parent in ((route or {}).get("status") or {}).get("parents") or []:
        for cond in parent.get("conditions") or []:
            if cond.get("type") in ("Accepted", "ResolvedRefs") and cond.get("status") == "False":
                ref = parent.get("parentRef") or {}
                return (f"parent {ref.get('namespace', '')}/{ref.get('name', '?')}: {cond['type']}=False "
                        f"({cond.get('reason', '')}: {cond.get('message', '')})")
    return ""


def _gateways_served(kube: Kube) -> bool:
    api = client.CustomObjectsApi(kube.api_client)
    try:
        kube.raw("list gateways", api.list_cluster_custom_object, GROUP, VERSION, "gateways", limit=1)
    except ApiException as exc:
        if exc.status in (404, 403):
            return exc.status == 403  # forbidden: served, but we may not list; the get will tell
        raise
    return True
