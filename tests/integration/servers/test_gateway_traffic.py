"""Real traffic through the local gateway while routing objects change on the local cluster.

One module-scoped cluster runs two Deployments of the sample model server (v1: 2 replicas,
v2: 1 replica) as real processes; each test adds its routing objects and removes them after.
Splits are judged by the `x-model-version` response header over 2,000 requests (±5 %).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from kubernetes import client
from kubernetes.client import ApiClient
from prometheus_client.parser import text_string_to_metric_families

from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.local.gateway import Gateway, Target

HOST = "model.example.com"
BODY = json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2]]})
CANARY = "nginx.ingress.kubernetes.io/"


def deployment(version: str, replicas: int) -> Any:  # API JSON; the typed client accepts dicts
    labels = {"app": "model", "version": version}
    container = {
        "name": "model",
        "image": f"ai-deploy-ci/sample-model-server:{version}",
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "MODEL_VERSION", "value": version}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"model-{version}"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def service(name: str, selector: dict[str, str]) -> Any:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }


class Env:
    def __init__(self, api: ApiServerHandle, gateway: Gateway, api_client: ApiClient):
        self.api, self.gateway = api, gateway
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)
        self.networking = client.NetworkingV1Api(api_client)
        self.session = requests.Session()

    def send(self, url: str, n: int, headers: dict[str, str] | None = None) -> Counter[str]:
        """n POST /predict; every one must succeed; returns the count per x-model-version."""
        seen: Counter[str] = Counter()
        for _ in range(n):
            r = self.session.post(
                url + "/predict",
                data=BODY,
                timeout=10,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
            if r.status_code != 200:
                pytest.fail(f"{r.status_code} {r.text!r}\n{json.dumps(self.diagnose(), indent=1)}")
            seen[r.headers["x-model-version"]] += 1
        return seen

    def diagnose(self) -> dict[str, Any]:
        """Pods as the API server sees them (name, IP, Ready) and the last events, for assertion messages."""
        raw: Any = self.core.list_namespaced_pod("default", _preload_content=False)
        pods = [
            (
                p["metadata"]["name"],
                p["status"].get("podIP", ""),
                next((c["status"] for c in p["status"].get("conditions", []) if c["type"] == "Ready"), "?"),
            )
            for p in json.loads(raw.data)["items"]
        ]
        raw = self.core.list_namespaced_event("default", _preload_content=False)
        events = [f"{e.get('reason')}: {e.get('message')}" for e in json.loads(raw.data)["items"][-8:]]
        return {"pods": pods, "events": events, "gateway": self.gateway.stats()}

    def candidate_predictions(self) -> float:
        """POST /predict answered by the v2 pod, from its own /metrics."""
        ((ip, port),) = self.gateway.table.endpoints(Target("default", "model-v2"))
        text = self.session.get(f"http://{ip}:{port}/metrics", timeout=5).text
        return sum(
            s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "model_server_request_duration_seconds_count" and s.labels["endpoint"] == "predict"
        )

    def drain_mirrors(self) -> None:
        """Wait (bounded) until queued mirror copies were sent."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.gateway.core.mirrors.queue.qsize():
            time.sleep(0.02)
        time.sleep(0.2)

    def wait(self, predicate: Any, what: str) -> None:
        assert self.gateway.wait_until(predicate, timeout=10), f"gateway never saw {what}"


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    api = start_api_server(time_scale=20)
    gateway: Gateway | None = None
    try:
        api.install_crds("gateway-api-experimental", "istio")
        api_client = api.api_client()
        apps = client.AppsV1Api(api_client)
        apps.create_namespaced_deployment("default", deployment("v1", 2))
        apps.create_namespaced_deployment("default", deployment("v2", 1))
        core = client.CoreV1Api(api_client)
        core.create_namespaced_service("default", service("model", {"app": "model", "version": "v1"}))
        core.create_namespaced_service("default", service("model-v1", {"app": "model", "version": "v1"}))
        core.create_namespaced_service("default", service("model-v2", {"app": "model", "version": "v2"}))
        core.create_namespaced_service("default", service("model-all", {"app": "model"}))
        gateway = Gateway(api.api_client(), seed=7).start()
        ready = gateway.wait_until(
            lambda t: (
                len(t.endpoints(Target("default", "model-v1"))) == 2
                and len(t.endpoints(Target("default", "model-v2"))) == 1
            ),
            timeout=30,
        )
        environment = Env(api, gateway, api_client)
        assert ready, (
            f"model server pods never became ready: {environment.diagnose()} (logs: {api.workdir}/logs)"
        )
        yield environment
    finally:
        if gateway is not None:
            gateway.stop()
        api.stop()


def test_service_selector_flip_moves_all_traffic_without_errors(env: Env) -> None:
    url = env.gateway.service_url("model")
    assert env.send(url, 300) == Counter({"v1": 300})
    env.core.patch_namespaced_service(
        "model", "default", {"spec": {"selector": {"app": "model", "version": "v2"}}}
    )
    versions: list[str] = []
    deadline = time.monotonic() + 10
    while len(versions) < 2000 and time.monotonic() < deadline:
        versions.extend(env.send(url, 1).elements())
    first_v2 = versions.index("v2")  # the switch took effect …
    assert set(versions[first_v2:]) == {"v2"}  # … at once, and never went back
    assert first_v2 < 200 and len(versions) == 2000
    env.core.patch_namespaced_service(
        "model", "default", {"spec": {"selector": {"app": "model", "version": "v1"}}}
    )


HTTPROUTES = ("gateway.networking.k8s.io", "v1", "default", "httproutes")


@contextmanager
def httproute(env: Env, name: str, spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """An HTTPRoute for HOST with this spec, deleted after the block; yields the object."""
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name},
        "spec": {"hostnames": [HOST], **spec},
    }
    env.custom.create_namespaced_custom_object(*HTTPROUTES, route)
    try:
        yield route
    finally:
        env.custom.delete_namespaced_custom_object(*HTTPROUTES, name)


def test_httproute_weights_move_0_to_100(env: Env) -> None:
    backends = [
        {"name": "model-v1", "port": 80, "weight": 100},
        {"name": "model-v2", "port": 80, "weight": 0},
    ]
    spec = {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": backends}]}
    with httproute(env, "model", spec) as route:
        for weight in (0, 25, 50, 75, 100):
            backends[0]["weight"] = 100 - weight
            backends[1]["weight"] = weight
            env.custom.patch_namespaced_custom_object(*HTTPROUTES, "model", {"spec": route["spec"]})
            env.wait(
                lambda t, w=weight: any(
                    b[1] == w and b[0].service == "model-v2" for m in t.httproutes for b in m.backends
                ),
                f"weight {weight}",
            )
            n = 2000 if 0 < weight < 100 else 200
            seen = env.send(env.gateway.public_url, n, {"Host": HOST})
            assert seen["v2"] / n == pytest.approx(weight / 100, abs=0.05), (weight, seen)


def test_httproute_mirror_copies_a_share_to_the_candidate(env: Env) -> None:
    mirror = {
        "type": "RequestMirror",
        "requestMirror": {"backendRef": {"name": "model-v2", "port": 80}, "percent": 40},
    }
    rules = [{"backendRefs": [{"name": "model-v1", "port": 80}], "filters": [mirror]}]
    with httproute(env, "mirror", {"rules": rules}):
        env.wait(lambda t: any(m.mirrors for m in t.httproutes), "the mirror")
        before = env.gateway.stats().get("mirrored", {}).get("default/model-v2", 0)
        seen_before = env.candidate_predictions()
        assert env.send(env.gateway.public_url, 1000, {"Host": HOST}) == Counter({"v1": 1000})
        env.drain_mirrors()
        mirrored = env.gateway.stats().get("mirrored", {}).get("default/model-v2", 0) - before
        assert mirrored == pytest.approx(400, abs=60)
        assert env.candidate_predictions() - seen_before == mirrored  # the candidate saw every copy


@contextmanager
def istio_routing(env: Env, name: str, http: list[dict[str, Any]]) -> Iterator[None]:
    """A DestinationRule (subsets stable=v1, canary=v2 of `model-all`) and a VirtualService
    with these `http` routes for HOST, deleted after the block."""
    dr = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": name},
        "spec": {
            "host": "model-all",
            "subsets": [
                {"name": "stable", "labels": {"version": "v1"}},
                {"name": "canary", "labels": {"version": "v2"}},
            ],
        },
    }
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name},
        "spec": {"hosts": [HOST], "http": http},
    }
    group = ("networking.istio.io", "v1", "default")
    env.custom.create_namespaced_custom_object(*group, "destinationrules", dr)
    env.custom.create_namespaced_custom_object(*group, "virtualservices", vs)
    try:
        yield
    finally:
        env.custom.delete_namespaced_custom_object(*group, "virtualservices", name)
        env.custom.delete_namespaced_custom_object(*group, "destinationrules", name)


ISTIO_CANARY = Target("default", "model-all", None, "canary", (("version", "v2"),))


def test_istio_weights_and_header_match(env: Env) -> None:
    http: list[dict[str, Any]] = [
        {
            "match": [{"headers": {"x-canary": {"exact": "true"}}}],
            "route": [{"destination": {"host": "model-all", "subset": "canary"}}],
        },
        {
            "route": [
                {"destination": {"host": "model-all", "subset": "stable"}, "weight": 70},
                {"destination": {"host": "model-all", "subset": "canary"}, "weight": 30},
            ]
        },
    ]
    with istio_routing(env, "model", http):
        env.wait(lambda t: len(t.istio) == 2 and t.endpoints(ISTIO_CANARY), "the VirtualService and subsets")
        assert env.send(env.gateway.public_url, 200, {"Host": HOST, "x-canary": "true"}) == Counter(
            {"v2": 200}
        )
        seen = env.send(env.gateway.public_url, 2000, {"Host": HOST})
        assert seen["v2"] / 2000 == pytest.approx(0.30, abs=0.05)


def test_nginx_canary_weight_and_header(env: Env) -> None:
    def ingress(name: str, svc: str, annotations: dict[str, str]) -> Any:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": HOST,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": svc, "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            },
        }

    canary = {
        CANARY + "canary": "true",
        CANARY + "canary-weight": "20",
        CANARY + "canary-by-header": "X-Canary",
    }
    env.networking.create_namespaced_ingress("default", ingress("stable", "model-v1", {}))
    env.networking.create_namespaced_ingress("default", ingress("canary", "model-v2", canary))
    try:
        env.wait(lambda t: any(p.canary for p in t.nginx), "the canary Ingress")
        assert env.send(env.gateway.public_url, 100, {"Host": HOST, "X-Canary": "always"}) == Counter(
            {"v2": 100}
        )
        assert env.send(env.gateway.public_url, 100, {"Host": HOST, "X-Canary": "never"}) == Counter(
            {"v1": 100}
        )
        seen = env.send(env.gateway.public_url, 2000, {"Host": HOST})
        assert seen["v2"] / 2000 == pytest.approx(0.20, abs=0.05)
    finally:
        env.networking.delete_namespaced_ingress("canary", "default")
        env.networking.delete_namespaced_ingress("stable", "default")


def test_streaming_passes_through_the_gateway(env: Env) -> None:
    body = {"prompt": "hello", "max_tokens": 5, "stream": True}
    with env.session.post(
        env.gateway.service_url("model-v2") + "/v1/completions", json=body, stream=True, timeout=10
    ) as r:
        assert r.status_code == 200 and r.headers["x-model-version"] == "v2"
        events = [line for line in r.iter_lines(decode_unicode=True) if line]
    assert events[-1] == "data: [DONE]" and len(events) == 7  # 5 tokens, the finish chunk, [DONE]


def test_no_route_and_no_endpoints_answers(env: Env) -> None:
    assert (
        env.session.get(
            env.gateway.public_url + "/", headers={"Host": "nobody.example.com"}, timeout=5
        ).status_code
        == 404
    )
    env.core.create_namespaced_service("default", service("empty", {"app": "nothing"}))
    try:
        env.wait(lambda t: ("default", "empty") in t.services, "the empty Service")
        r = env.session.get(env.gateway.service_url("empty") + "/healthz", timeout=5)
        assert r.status_code == 503 and r.text == "no healthy upstream\n"
    finally:
        # raw: the local API server answers a Service DELETE with a Status, the typed client expects a Service
        env.core.delete_namespaced_service("empty", "default", _preload_content=False)


def test_rolling_update_through_cluster_ip_loses_no_request(env: Env) -> None:
    """Pods are replaced (SIGTERM → drain) while traffic flows: the gateway drops terminating
    pods on their watch event and retries a refused or closed connection on another pod."""
    apps = client.AppsV1Api(env.api.api_client())
    apps.create_namespaced_deployment("default", deployment("r1", 2) | {"metadata": {"name": "rolling"}})
    env.core.create_namespaced_service("default", service("rolling", {"app": "model", "version": "r1"}))
    try:
        env.wait(lambda t: len(t.endpoints(Target("default", "rolling"))) == 2, "the rolling pods")
        url = env.gateway.service_url("rolling")
        env_patch = [{"name": "MODEL_VERSION", "value": "r2"}]
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "model", "env": env_patch}]}}}}
        apps.patch_namespaced_deployment("rolling", "default", patch)
        seen: Counter[str] = Counter()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and seen["r2"] < 300:
            seen += env.send(url, 10)  # asserts every answer is a 200
        assert seen["r1"] > 0 and seen["r2"] >= 300, seen
    finally:
        apps.delete_namespaced_deployment("rolling", "default", _preload_content=False)
        env.core.delete_namespaced_service("rolling", "default", _preload_content=False)


def test_istio_mirror_percentage(env: Env) -> None:
    http: list[dict[str, Any]] = [
        {
            "route": [{"destination": {"host": "model-all", "subset": "stable"}}],
            "mirror": {"host": "model-all", "subset": "canary"},
            "mirrorPercentage": {"value": 25.0},
        }
    ]
    with istio_routing(env, "mirror", http):
        env.wait(lambda t: any(r.mirrors for r in t.istio) and t.endpoints(ISTIO_CANARY), "the Istio mirror")
        seen_before = env.candidate_predictions()
        assert env.send(env.gateway.public_url, 800, {"Host": HOST}) == Counter({"v1": 800})
        env.drain_mirrors()
        assert env.candidate_predictions() - seen_before == pytest.approx(200, abs=45)
        assert (
            env.gateway.stats()["mirrored"]["default/model-all/canary"]
            == env.candidate_predictions() - seen_before
        )
