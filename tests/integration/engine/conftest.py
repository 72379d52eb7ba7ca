"""Engine integration fixtures: one local API server per module, one namespace per test.

The server runs a scaled clock (TIME_SCALE cluster seconds per wall second) and the pipeline is
told the same scale, so pauses, probes and progress deadlines shrink together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.pipeline import Options

TIME_SCALE = 50.0

CRDS = Path(__file__).resolve().parents[2] / "data" / "crds"
_ns = itertools.count()


@pytest.fixture(scope="module")
def engine_cluster() -> Iterator[ApiServerHandle]:
    handle = start_api_server(
        nodes=2,
        gpus_per_node=4,
        time_scale=TIME_SCALE,
        crds=[CRDS / "gateway-api-httproute-v1.6.1-standard.yaml", CRDS / "istio-networking-1.30.3.yaml"],
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def namespace(engine_cluster: ApiServerHandle) -> str:
    name = f"eng-{next(_ns)}"
    engine_cluster.faults.clear()
    kube = make_kube(engine_cluster)
    create_namespace(kube, name)
    return name


def create_namespace(kube: Kube, name: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    kube.raw(f"create namespace {name}", kube.core().create_namespace, body=body)


def make_kube(handle: ApiServerHandle, deadline: float = 10.0) -> Kube:
    return Kube(handle.api_client(), deadline=deadline, request_timeout=2.0, backoff=0.02)


@pytest.fixture
def kube(engine_cluster: ApiServerHandle) -> Kube:
    return make_kube(engine_cluster)


@pytest.fixture
def options(tmp_path: Path) -> Options:
    return Options(
        results_dir=tmp_path / "results",
        time_scale=TIME_SCALE,
        lock_seconds=5,
        poll=0.03,
        on_event=lambda _msg: None,
    )


def objects_in(kube: Kube, namespace: str, normalized: bool = True) -> dict[str, Any]:
    """Every object kind the engine may write, normalized (unless told not to), keyed "Kind/name"
    (what a snapshot compares)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    from ai_deploy_ci.plan.compare import normalize

    out: dict[str, Any] = {}
    apps, core = client.AppsV1Api(kube.api_client), kube.core()
    net, custom = client.NetworkingV1Api(kube.api_client), client.CustomObjectsApi(kube.api_client)
    auto, coord = client.AutoscalingV2Api(kube.api_client), client.CoordinationV1Api(kube.api_client)
    lists: list[tuple[str, Callable[[], Any]]] = [
        ("Deployment", lambda: kube.raw("l", apps.list_namespaced_deployment, namespace)),
        ("Service", lambda: kube.raw("l", core.list_namespaced_service, namespace)),
        ("ConfigMap", lambda: kube.raw("l", core.list_namespaced_config_map, namespace)),
        ("Ingress", lambda: kube.raw("l", net.list_namespaced_ingress, namespace)),
        ("Lease", lambda: kube.raw("l", coord.list_namespaced_lease, namespace)),
        (
            "HorizontalPodAutoscaler",
            lambda: kube.raw("l", auto.list_namespaced_horizontal_pod_autoscaler, namespace),
        ),
    ]
    for kind, group, plural in (
        ("HTTPRoute", "gateway.networking.k8s.io", "httproutes"),
        ("VirtualService", "networking.istio.io", "virtualservices"),
        ("DestinationRule", "networking.istio.io", "destinationrules"),
    ):
        lists.append(
            (
                kind,
                partial(kube.raw, "l", custom.list_namespaced_custom_object, group, "v1", namespace, plural),
            )
        )
    for kind, fn in lists:
        try:
            items = fn().get("items", [])
        except ApiException as exc:  # a CRD this server does not serve: no such objects
            if exc.status != 404:
                raise
            items = []
        for item in items:
            if kind == "ConfigMap" and item["metadata"]["name"] == "kube-root-ca.crt":
                continue
            item.setdefault("kind", kind)
            out[f"{kind}/{item['metadata']['name']}"] = normalize(item) if normalized else item
    return out
