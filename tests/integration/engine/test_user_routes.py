"""Bringing your own route, on the local API server: the user's HTTPRoute / VirtualService keeps
its other rules through a first deploy, a rolled-back canary and a promoted one, and re-applying
the route a finished run left is a no-op ("unchanged")."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.apply import apply
from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.routers import merge, router_for
from ai_deploy_ci.spec.model import Spec
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline
from tests.unit.engine.specs import with_version

NAME = "sentiment"


def http_route(namespace: str) -> Manifest:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": NAME, "namespace": namespace, "labels": {"tier": "web"}},
        "spec": {
            "parentRefs": [{"name": "shop-gw", "namespace": "gateway-system"}],
            "hostnames": ["sentiment.ml.example.com"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/healthz"}}],
                    "backendRefs": [{"name": "status", "port": 80}],
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/predict"}}],
                    "backendRefs": [{"name": NAME, "port": 8080}],
                    "timeouts": {"request": "10s"},
                },
                {"backendRefs": [{"name": "frontend", "port": 80}]},
            ],
        },
    }


def virtual_service(namespace: str) -> Manifest:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": NAME, "namespace": namespace},
        "spec": {
            "hosts": [NAME],
            "http": [
                {
                    "name": "admin",
                    "match": [{"uri": {"prefix": "/admin"}}],
                    "route": [{"destination": {"host": "admin-ui"}}],
                },
                {
                    "name": "predict",
                    "match": [{"uri": {"prefix": "/predict"}}],
                    "route": [{"destination": {"host": NAME}}],
                    "retries": {"attempts": 3},
                },
                {"name": "fallback", "route": [{"destination": {"host": "frontend"}}]},
            ],
        },
    }


def users_part(obj: Manifest) -> list[Any]:
    """The rules / routes that do not concern the model, in order."""
    ns = obj["metadata"]["namespace"]
    if obj["kind"] == "HTTPRoute":
        services = (NAME, f"{NAME}-candidate")
        return [r for r in obj["spec"]["rules"] if not merge.gateway_rule_is_ours(r, services, ns)]
    return [r for r in obj["spec"]["http"] if not merge.istio_route_is_ours(r, NAME, ns)]


def model_rules(obj: Manifest) -> list[Any]:
    key = "rules" if obj["kind"] == "HTTPRoute" else "http"
    return [r for r in obj["spec"][key] if r not in users_part(obj)]


def finalized(spec: Spec, run_id: str) -> tuple[Manifest, ...]:
    """The route objects the finalize step of run `run_id` rendered."""
    return router_for(spec, ObservedState(run=RunInfo(run_id))).set_routes(Route(candidate=False)).apply


@pytest.mark.parametrize(("router", "user_object"), [("gatewayAPI", http_route), ("istio", virtual_service)])
def test_the_users_route_survives_rollback_and_promotion(
    kube: Kube, namespace: str, options: Options, router: str, user_object: Any
) -> None:
    created = kube.create(user_object(namespace))
    ref = ObjectRef.of(created)
    theirs = users_part(created)
    assert len(theirs) == 2

    spec, before = baseline(kube, namespace, options, "canary", router)  # a first deploy into their route
    route = kube.get(ref)
    assert route is not None and users_part(route) == theirs
    [predict] = model_rules(route)
    if router == "gatewayAPI":  # their rule to the model keeps its path and timeout
        assert predict["matches"][0]["path"]["value"] == "/predict" and predict["timeouts"] == {
            "request": "10s"
        }
        assert route["metadata"]["labels"]["tier"] == "web"
    else:
        assert predict["match"] == [{"uri": {"prefix": "/predict"}}] and predict["retries"] == {"attempts": 3}

    # a failed analysis: rolled back to the route as it was, their rules included
    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("run-a"), scripted(Verdict.FAIL), options)
    assert_restored(kube, namespace, before)
    assert users_part(kube.get(ref) or {}) == theirs

    # promoted: their rules are still there, in place; ours sends everything to stable
    promoted = with_version(spec, "2.0.1")
    result = deploy(promoted, kube, RunInfo("run-b"), scripted(), options)
    assert result.record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before, version="2.0.1")
    after = kube.get(ref)
    assert after is not None and users_part(after) == theirs
    key = "rules" if router == "gatewayAPI" else "http"
    assert after["spec"][key][0] == theirs[0] and after["spec"][key][-1] == theirs[1]
    assert f"{NAME}-candidate" not in str(after["spec"]) and '"candidate"' not in str(model_rules(after))
    assert model_rules(after) == [predict], "the rule to the model is not back where it was"

    # the route a finished run left: writing it again changes nothing, merged or not
    for obj in finalized(promoted, "run-b"):
        assert apply(kube, copy.deepcopy(obj)) == "unchanged"
