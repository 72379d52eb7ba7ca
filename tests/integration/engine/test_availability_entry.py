"""The availability probe goes where users go and sends what they send (issue #12): through the
Ingress's address with the route's Host, a POST of the configured protocol — not `/readyz` on
the stable Service's ClusterIP, which stays up while the route users take is broken."""

from __future__ import annotations

import json
from dataclasses import replace

from kubernetes import client

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.gates import availability
from tests.unit.engine.specs import make_spec


def test_probe_targets_the_ingress_address_with_the_route_host(kube: Kube, namespace: str) -> None:
    spec = make_spec("canary", "nginx", namespace=namespace)
    spec = replace(spec, load=replace(spec.load, payloads=({"text": "great"},)))
    net = client.NetworkingV1Api(kube.api_client)
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "sentiment", "namespace": namespace},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "sentiment.ml.example.com", "http": {
                "paths": [{"path": "/", "pathType": "Prefix", "backend": {
                    "service": {"name": "sentiment", "port": {"number": 8080}}}}]}}]}}
    kube.raw("create ingress", net.create_namespaced_ingress, namespace, body)
    live = kube.raw("get", net.read_namespaced_ingress, "sentiment", namespace)
    address = {"ip": "127.0.0.9", "ports": [{"port": 8088, "protocol": "TCP"}]}
    live["status"] = {"loadBalancer": {"ingress": [address]}}
    kube.raw("status", net.replace_namespaced_ingress_status, "sentiment", namespace, live)

    entry = availability.entry_point(spec, kube)
    assert entry == availability.Entry("http://127.0.0.9:8088", "sentiment.ml.example.com")
    req = availability.request(spec)
    assert (req.method, req.path) == ("POST", "/predict")
    assert json.loads(req.body or b"") == {"text": "great"}


def test_a_chosen_probe_path_is_kept(kube: Kube, namespace: str) -> None:
    spec = make_spec("canary", "service", namespace=namespace)
    probe = replace(spec.load.availability, path="/healthz")
    spec = replace(spec, load=replace(spec.load, availability=probe, payloads=({"text": "x"},)))
    assert availability.request(spec) == availability.Request("GET", "/healthz")
