"""Every served resource through the typed client and through DynamicClient (discovery included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, dynamic

from .helpers import PAUSE, deployment, pod, typed

pytestmark = pytest.mark.conformance

TEMPLATE = {
    "metadata": {"labels": {"app": "x"}},
    "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": PAUSE}]},
}

# (apiVersion, kind, body builder)
RESOURCES: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
    ("v1", "ConfigMap", lambda n: {"metadata": {"name": n}, "data": {"k": "v"}}),
    ("v1", "Secret", lambda n: {"metadata": {"name": n}, "stringData": {"k": "v"}}),
    (
        "v1",
        "Service",
        lambda n: {"metadata": {"name": n}, "spec": {"selector": {"app": n}, "ports": [{"port": 80}]}},
    ),
    ("v1", "Pod", lambda n: pod(n)),
    (
        "v1",
        "Event",
        lambda n: {
            "metadata": {"name": n},
            "involvedObject": {"kind": "Pod", "name": "p"},
            "reason": "Test",
            "message": "m",
            "type": "Normal",
        },
    ),
    ("apps/v1", "Deployment", lambda n: deployment(n, replicas=0)),
    ("apps/v1", "ReplicaSet", lambda n: {k: v for k, v in deployment(n, replicas=0).items() if k != "kind"}),
    ("batch/v1", "Job", lambda n: {"metadata": {"name": n}, "spec": {"template": TEMPLATE}}),
    (
        "coordination.k8s.io/v1",
        "Lease",
        lambda n: {"metadata": {"name": n}, "spec": {"holderIdentity": "me"}},
    ),
    (
        "networking.k8s.io/v1",
        "Ingress",
        lambda n: {
            "metadata": {"name": n},
            "spec": {
                "rules": [
                    {
                        "host": "a.b",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "s", "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ]
            },
        },
    ),
    (
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        lambda n: {
            "metadata": {"name": n},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
                "maxReplicas": 3,
            },
        },
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        lambda n: {
            "metadata": {"name": n},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": n}}},
        },
    ),
]


@pytest.mark.parametrize(("api_version", "kind", "build"), RESOURCES, ids=[r[1] for r in RESOURCES])
def test_dynamic_client_crud(
    k8s_api_client: Any,
    k8s_namespace: str,
    api_version: str,
    kind: str,
    build: Callable[[str], dict[str, Any]],
) -> None:
    dyn = dynamic.DynamicClient(k8s_api_client)
    res = dyn.resources.get(api_version=api_version, kind=kind)
    name = f"dyn-{kind.lower()}"
    body = {"apiVersion": api_version, "kind": kind, **build(name)}
    created = res.create(body=body, namespace=k8s_namespace)
    assert created.metadata.name == name and created.kind == kind
    got = res.get(name=name, namespace=k8s_namespace)
    assert got.metadata.uid == created.metadata.uid
    listed = res.get(namespace=k8s_namespace)
    assert name in [i.metadata.name for i in listed.items]
    patched = res.patch(
        name=name,
        namespace=k8s_namespace,
        body={"metadata": {"labels": {"patched": "yes"}}},
        content_type="application/merge-patch+json",
    )
    assert patched.metadata.labels["patched"] == "yes"
    res.delete(name=name, namespace=k8s_namespace, grace_period_seconds=0)


def test_typed_clients(k8s_api_client: Any, k8s_namespace: str) -> None:
    ns = k8s_namespace
    core, apps = typed(client.CoreV1Api, k8s_api_client), typed(client.AppsV1Api, k8s_api_client)
    batch, coord = typed(client.BatchV1Api, k8s_api_client), typed(client.CoordinationV1Api, k8s_api_client)
    net, auto = typed(client.NetworkingV1Api, k8s_api_client), typed(client.AutoscalingV2Api, k8s_api_client)
    policy = typed(client.PolicyV1Api, k8s_api_client)
    builders = {kind: build for _, kind, build in RESOURCES}
    core.create_namespaced_service(ns, builders["Service"]("svc"))
    svc = core.read_namespaced_service("svc", ns)
    assert svc.spec.cluster_ip and svc.spec.ports[0].target_port == 80
    core.create_namespaced_secret(ns, builders["Secret"]("sec"))
    assert core.read_namespaced_secret("sec", ns).data == {"k": "dg=="}
    apps.create_namespaced_replica_set(ns, {**builders["ReplicaSet"]("rs"), "apiVersion": "apps/v1"})
    assert apps.read_namespaced_replica_set("rs", ns).spec.replicas == 0
    batch.create_namespaced_job(ns, builders["Job"]("job"))
    assert batch.read_namespaced_job("job", ns).spec.selector.match_labels
    lease = coord.create_namespaced_lease(ns, builders["Lease"]("lease"))
    lease.spec.holder_identity = "you"
    assert coord.replace_namespaced_lease("lease", ns, lease).spec.holder_identity == "you"
    net.create_namespaced_ingress(ns, builders["Ingress"]("ing"))
    assert net.list_namespaced_ingress(ns).items[0].spec.rules[0].host == "a.b"
    auto.create_namespaced_horizontal_pod_autoscaler(ns, builders["HorizontalPodAutoscaler"]("hpa"))
    assert auto.read_namespaced_horizontal_pod_autoscaler("hpa", ns).spec.max_replicas == 3
    policy.create_namespaced_pod_disruption_budget(ns, builders["PodDisruptionBudget"]("pdb"))
    assert policy.read_namespaced_pod_disruption_budget("pdb", ns).spec.min_available == 1
    review = typed(client.AuthorizationV1Api, k8s_api_client).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "get", "resource": "pods", "namespace": ns}}}
    )
    assert review.status.allowed is True


def test_custom_objects_api(k8s_api_client: Any, k8s_namespace: str) -> None:
    ext = typed(client.ApiextensionsV1Api, k8s_api_client)
    names = [c.metadata.name for c in ext.list_custom_resource_definition().items]
    if "virtualservices.networking.istio.io" not in names:
        pytest.skip("Istio CRDs are not installed")
    crd = ext.read_custom_resource_definition("virtualservices.networking.istio.io")
    assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)
    co = typed(client.CustomObjectsApi, k8s_api_client)
    body = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "vs"},
        "spec": {
            "hosts": ["svc"],
            "http": [{"route": [{"destination": {"host": "svc", "subset": "a"}, "weight": 100}]}],
        },
    }
    co.create_namespaced_custom_object("networking.istio.io", "v1", k8s_namespace, "virtualservices", body)
    got = co.get_namespaced_custom_object("networking.istio.io", "v1", k8s_namespace, "virtualservices", "vs")
    assert got["spec"]["http"][0]["route"][0]["weight"] == 100
    co.patch_namespaced_custom_object(
        "networking.istio.io", "v1", k8s_namespace, "virtualservices", "vs", {"spec": {"hosts": ["svc2"]}}
    )
    listed = co.list_namespaced_custom_object("networking.istio.io", "v1", k8s_namespace, "virtualservices")
    assert listed["items"][0]["spec"]["hosts"] == ["svc2"]
    co.delete_namespaced_custom_object("networking.istio.io", "v1", k8s_namespace, "virtualservices", "vs")


def test_unknown_kind_is_not_found(k8s_api_client: Any, k8s_namespace: str) -> None:
    co = typed(client.CustomObjectsApi, k8s_api_client)
    with pytest.raises(client.ApiException) as err:
        co.list_namespaced_custom_object("nothing.example.com", "v1", k8s_namespace, "widgets")
    assert err.value.status == 404


def test_dynamic_client_cluster_scoped_and_derived_kinds(k8s_api_client: Any, k8s_namespace: str) -> None:
    dyn = dynamic.DynamicClient(k8s_api_client)
    nodes = dyn.resources.get(api_version="v1", kind="Node").get()
    assert nodes.items and nodes.items[0].status.allocatable
    namespaces = dyn.resources.get(api_version="v1", kind="Namespace")
    assert namespaces.get(name=k8s_namespace).status.phase == "Active"
    svc = dyn.resources.get(api_version="v1", kind="Service")
    svc.create(
        namespace=k8s_namespace,
        body={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "eps"},
            "spec": {"selector": {"app": "eps"}, "ports": [{"port": 80}]},
        },
    )
    endpoints = dyn.resources.get(api_version="v1", kind="Endpoints")
    slices = dyn.resources.get(api_version="discovery.k8s.io/v1", kind="EndpointSlice")
    assert endpoints.get(namespace=k8s_namespace) is not None
    assert slices.get(namespace=k8s_namespace, label_selector="kubernetes.io/service-name=eps") is not None
    review = dyn.resources.get(api_version="authorization.k8s.io/v1", kind="SelfSubjectAccessReview").create(
        body={
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": k8s_namespace}},
        }
    )
    assert review.status.allowed is True
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").get()
    assert isinstance(crds.items, list)
