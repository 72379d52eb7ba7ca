"""Where each kind lives in the official client: typed APIs for built-ins, CustomObjectsApi for CRDs.

One table instead of per-kind code, so adding a router's kind is one line. All calls use
`_preload_content=False` and parse JSON ourselves: plain dicts are what the planner produced
and what the snapshot stores, with no model round-trip that could drop or rename fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes import client

from ai_deploy_ci.plan.model import ObjectRef


@dataclass(frozen=True)
class Kind:
    api: type
    suffix: str | None = None  # typed: "namespaced_deployment"; None for custom objects
    group: str = ""
    version: str = ""
    plural: str = ""

    @property
    def custom(self) -> bool:
        return self.suffix is None


KINDS: dict[tuple[str, str], Kind] = {
    ("apps/v1", "Deployment"): Kind(client.AppsV1Api, "namespaced_deployment", "apps", "v1", "deployments"),
    ("v1", "Service"): Kind(client.CoreV1Api, "namespaced_service", "", "v1", "services"),
    ("v1", "ConfigMap"): Kind(client.CoreV1Api, "namespaced_config_map", "", "v1", "configmaps"),
    ("networking.k8s.io/v1", "Ingress"): Kind(
        client.NetworkingV1Api, "namespaced_ingress", "networking.k8s.io", "v1", "ingresses"
    ),
    ("coordination.k8s.io/v1", "Lease"): Kind(
        client.CoordinationV1Api, "namespaced_lease", "coordination.k8s.io", "v1", "leases"
    ),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): Kind(
        client.AutoscalingV2Api,
        "namespaced_horizontal_pod_autoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
    ),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): Kind(
        client.CustomObjectsApi, None, "gateway.networking.k8s.io", "v1", "httproutes"
    ),
    ("gateway.networking.k8s.io/v1", "Gateway"): Kind(  # read only: preflight, availability address
        client.CustomObjectsApi, None, "gateway.networking.k8s.io", "v1", "gateways"
    ),
    ("networking.istio.io/v1", "VirtualService"): Kind(
        client.CustomObjectsApi, None, "networking.istio.io", "v1", "virtualservices"
    ),
    ("networking.istio.io/v1", "DestinationRule"): Kind(
        client.CustomObjectsApi, None, "networking.istio.io", "v1", "destinationrules"
    ),
}

# CRDs a router needs installed, named as `kubectl get crd` shows them.
CRDS: dict[str, tuple[str, ...]] = {
    "gatewayAPI": ("httproutes.gateway.networking.k8s.io",),
    "istio": ("virtualservices.networking.istio.io", "destinationrules.networking.istio.io"),
}


def kind_of(ref: ObjectRef) -> Kind:
    try:
        return KINDS[(ref.api_version, ref.kind)]
    except KeyError:
        raise ValueError(f"no client mapping for {ref.api_version} {ref.kind}") from None
