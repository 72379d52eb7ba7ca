"""Before the first write: permissions, CRDs, GPU capacity, HPA and PDB interplay.

Failing here costs nothing; failing at step 4 of a canary costs a rollback. Every refusal names
what is missing and how to fix it. Cluster-scoped reads (nodes, pods in all namespaces) may be
denied to a least-privilege deployer: the GPU check then becomes a warning, not a failure.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.resources import CRDS, KINDS
from ai_deploy_ci.cluster.route_live import check_route_live
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan import autoscaling, permissions
from ai_deploy_ci.plan.capacity import extra_pods, free_gpus
from ai_deploy_ci.plan.model import LABEL_NAME, ObjectRef, Plan

GPU = "nvidia.com/gpu"


@dataclass
class Report:
    warnings: list[str] = field(default_factory=list)


def run(kube: Kube, plan: Plan, *, gpus_per_pod: int, current_pods: int) -> Report:
    report = Report()
    check_access(kube, plan)
    check_crds(kube, plan)
    report.warnings.extend(check_route_live(kube, plan))
    if gpus_per_pod:
        check_gpus(kube, plan, gpus_per_pod, current_pods, report)
    check_autoscaling(kube, plan, report)
    return report


def check_namespace(kube: Kube, namespace: str) -> None:
    """The namespace must exist: the Lease, the run state and every object live in it, and a real
    apiserver answers 404 to the first write otherwise (NamespaceLifecycle admission)."""
    try:
        kube.raw(f"get namespace {namespace}", kube.core().read_namespace, name=namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise ClusterError(
                f"namespace {namespace} does not exist",
                fix=f"create it (`kubectl create namespace {namespace}`) or set metadata.namespace",
            ) from None
        if exc.status != 403:  # a deployer may lack `get namespaces`: the writes will tell
            raise


def check_access(kube: Kube, plan: Plan) -> None:
    """One SelfSubjectAccessReview per permission, asked concurrently (a plan needs about 30)."""
    api = client.AuthorizationV1Api(kube.api_client)

    def allowed(perm: permissions.Permission) -> bool:
        group, resource, verb = perm
        res, _, sub = resource.partition("/")
        attrs = {"namespace": plan.namespace, "group": group, "resource": res, "verb": verb}
        if sub:
            attrs["subresource"] = sub
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs},
        }
        resp = kube.raw("access review", api.create_self_subject_access_review, body=body)
        return bool(resp.get("status", {}).get("allowed"))

    perms = sorted(permissions.required(plan))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(allowed, perms))
    denied = [
        f"{verb} {resource}{'.' + group if group else ''}"
        for (group, resource, verb), ok in zip(perms, answers, strict=True)
        if not ok
    ]
    if denied:
        raise ClusterError(
            f"not allowed in namespace {plan.namespace}: {', '.join(denied)}",
            fix="bind the Role in docs/rbac.yaml to the deploying identity",
        )


def check_crds(kube: Kube, plan: Plan) -> None:
    names = CRDS.get(plan.router, ())
    api = client.CustomObjectsApi(kube.api_client)
    missing = []
    for crd in names:
        kind = next(k for k in KINDS.values() if k.custom and f"{k.plural}.{k.group}" == crd)
        try:
            kube.raw(
                f"list {crd}",
                api.list_namespaced_custom_object,
                kind.group,
                kind.version,
                plan.namespace,
                kind.plural,
                limit=1,
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
            missing.append(crd)
    if missing:
        fix = {
            "gatewayAPI": "install the Gateway API CRDs (standard channel) and a Gateway controller",
            "istio": "install Istio (its networking CRDs) in the cluster",
        }.get(plan.router, "install them")
        raise ClusterError(
            f"router {plan.router} needs CRDs that are not installed: {', '.join(missing)}", fix=fix
        )


def check_gpus(kube: Kube, plan: Plan, gpus_per_pod: int, current_pods: int, report: Report) -> None:
    core = kube.core()
    try:
        nodes = kube.raw("list nodes", core.list_node)["items"]
        pods = kube.raw("list pods", core.list_pod_for_all_namespaces)["items"]
    except ApiException as exc:
        if exc.status == 403:
            report.warnings.append("cannot list nodes/pods cluster-wide: GPU capacity not checked")
            return
        raise
    extra = extra_pods(plan, current_pods)
    need = extra * gpus_per_pod
    free = free_gpus(nodes, pods)
    if need > free:
        raise ClusterError(
            f"{plan.strategy} needs {extra} more pods × {gpus_per_pod} {GPU} = {need} GPUs at its peak, "
            f"but only {free} are free on schedulable nodes",
            fix="free GPUs, add GPU nodes, lower server.replicas (with an HPA on stable: the count it "
            "chose, which the plan starts from), or use a strategy with a smaller surge "
            "(canary with small weights, or recreate)",
        )


def stable_hpa(kube: Kube, namespace: str, name: str) -> dict[str, Any] | None:
    """The autoscaling/v2 HPA scaling Deployment `name`, for the planner (`ObservedState.hpa`).

    Not allowed to list (403): None here, and the access review then names the missing
    `list horizontalpodautoscalers` before any write (it is in every plan's permissions).
    """
    try:
        items = _list(kube, "horizontalpodautoscalers", namespace)
    except ApiException as exc:
        if exc.status in (403, 404):
            return None
        raise
    return autoscaling.find(items, name)


def hpa_plan_text(plan: Plan, hpa_name: str) -> str:
    """What this run does with the HPA scaling stable, in one sentence for the warning."""
    candidate = ObjectRef(autoscaling.API_VERSION, autoscaling.KIND, plan.namespace, f"{plan.name}-candidate")
    stable = ObjectRef(autoscaling.API_VERSION, autoscaling.KIND, plan.namespace, hpa_name)
    parts = []
    if stable in plan.touches:
        parts.append(
            "the replicas router splits traffic by pod counts, so the run pins it "
            "(minReplicas = maxReplicas = the planned stable count at each step) and restores it at "
            "promotion or rollback"
        )
    if candidate in plan.touches:
        parts.append(
            f"the candidate gets HPA {candidate.name} (a copy of its metrics and behavior with bounds for "
            "the candidate's role), deleted at promotion or rollback"
        )
    if not parts:
        parts.append("the run leaves it alone and it keeps scaling the Deployment")
    sizes = [
        int(o["spec"].get("replicas", 1))
        for step in plan.steps
        for o in step.apply
        if o.get("kind") == "Deployment" and o["metadata"]["name"] == plan.name
    ]
    if sizes:
        parts.append(
            f"{plan.name} keeps the HPA's count ({sizes[-1]} replicas, not server.replicas) "
            "when it takes the new version"
        )
    return "; ".join(parts)


def check_autoscaling(kube: Kube, plan: Plan, report: Report) -> None:
    for what in ("horizontalpodautoscalers", "poddisruptionbudgets"):
        try:
            items = _list(kube, what, plan.namespace)
        except ApiException:
            continue
        for item in items:
            spec = item.get("spec", {})
            if what == "horizontalpodautoscalers" and autoscaling.targets(item, plan.name):
                name = item["metadata"]["name"]
                report.warnings.append(f"HPA {name} scales {plan.name}: {hpa_plan_text(plan, name)}")
            if what == "poddisruptionbudgets":
                labels = spec.get("selector", {}).get("matchLabels", {})
                if labels.get(LABEL_NAME) == plan.name:
                    report.warnings.append(
                        f"PodDisruptionBudget {item['metadata']['name']} selects {plan.name}'s pods: "
                        "node drains during the run may stall"
                    )


def _list(kube: Kube, what: str, namespace: str) -> list[dict[str, Any]]:
    fn: Any = (
        client.AutoscalingV2Api(kube.api_client).list_namespaced_horizontal_pod_autoscaler
        if what == "horizontalpodautoscalers"
        else client.PolicyV1Api(kube.api_client).list_namespaced_pod_disruption_budget
    )
    return list(kube.raw(f"list {what}", fn, namespace).get("items", []))
