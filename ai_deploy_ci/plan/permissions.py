"""What a plan needs to be allowed to do: (API group, resource, verb) triples, derived purely.

Preflight asks the API server about each one (SelfSubjectAccessReview) before the first write,
and a test compares the same list with `docs/rbac.yaml`, so the documented Role can be neither
short of a permission nor wider than needed.
"""

from __future__ import annotations

from ai_deploy_ci.plan.model import Plan

Permission = tuple[str, str, str]  # (group, resource, verb)

RESOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("apps/v1", "Deployment"): ("apps", "deployments"),
    ("v1", "Service"): ("", "services"),
    ("v1", "ConfigMap"): ("", "configmaps"),
    ("networking.k8s.io/v1", "Ingress"): ("networking.k8s.io", "ingresses"),
    ("coordination.k8s.io/v1", "Lease"): ("coordination.k8s.io", "leases"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): ("gateway.networking.k8s.io", "httproutes"),
    ("networking.istio.io/v1", "VirtualService"): ("networking.istio.io", "virtualservices"),
    ("networking.istio.io/v1", "DestinationRule"): ("networking.istio.io", "destinationrules"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): ("autoscaling", "horizontalpodautoscalers"),
}
WRITE_VERBS = ("get", "create", "update", "delete")
# Always needed: the run's state and lock, and reading pods/events/logs to explain failures.
BASE: frozenset[Permission] = frozenset(
    {
        *(("", "configmaps", v) for v in WRITE_VERBS),
        *(("coordination.k8s.io", "leases", v) for v in WRITE_VERBS),
        ("", "pods", "list"),
        ("", "pods/log", "get"),
        ("", "events", "list"),
        ("autoscaling", "horizontalpodautoscalers", "list"),
        ("policy", "poddisruptionbudgets", "list"),
    }
)


def required(plan: Plan) -> frozenset[Permission]:
    """Every namespaced permission the plan and its rollback use.

    HPA writes are needed only by plans that touch an HPA (a stable HPA exists and the strategy
    runs a candidate); listing HPAs (observation, preflight) is always needed.
    """
    out = set(BASE)
    for ref in plan.touches:
        group, resource = RESOURCES[(ref.api_version, ref.kind)]
        out.update((group, resource, verb) for verb in WRITE_VERBS)
        if group not in ("", "apps", "networking.k8s.io"):  # CRD presence is checked by listing
            out.add((group, resource, "list"))
    return frozenset(out)
