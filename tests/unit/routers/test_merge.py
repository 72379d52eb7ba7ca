"""Bringing your own route: a run edits only the model's part of the user's live route objects.

For each router, a live object holding the user's other rules (and one rule to the model) goes
through every routing state a run writes and then finalize; after each write the user's rules are
there, unchanged and in order, our part reads back as the route, a second merge changes nothing,
and the object validates against the official schema.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from ai_deploy_ci.plan.compare import same
from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers import ROUTERS, TrafficRouter, merge
from ai_deploy_ci.routers.base import RouteChange
from tests.unit.engine.schemas import validate
from tests.unit.engine.specs import make_spec, state_with_stable
from tests.unit.engine.test_routers import _expressible

NS = "ml"
ROUTES = [
    Route(100, 0),
    Route(75, 25),
    Route(0, 100),
    Route(100, 0, match=RouteMatch("header", "x-model-variant", "candidate")),
    Route(100, 0, match=RouteMatch("query", "variant", "b")),
    Route(100, 0, match=RouteMatch("cookie", "canary", "always")),
    Route(100, 0, mirror_percent=50),
    Route(100, 0, mirror_percent=12.5),
]


def make_router(kind: str, **names: Any) -> TrafficRouter:
    spec = make_spec("canary", kind, namespace=NS)
    spec = replace(spec, traffic_router=replace(spec.traffic_router, **names))
    return ROUTERS[kind](spec, state_with_stable(spec))


def write(change: RouteChange, live: dict[ObjectRef, Manifest]) -> None:
    """What `cluster.apply` does with each object, without a cluster: merge, check, store."""
    for obj in change.apply:
        ref = ObjectRef.of(obj)
        other = merge.related(obj)
        body = merge.merge(obj, live.get(ref), live.get(other) if other else None)
        assert merge.DIRECTIVE not in body["metadata"].get("annotations", {}), (
            "the directive is never written"
        )
        validate(body)
        again = merge.merge(obj, body, live.get(other) if other else None)
        assert again == body and same(again, body), "merge is not idempotent"
        live[ref] = body
    for ref in change.delete:
        live.pop(ref, None)


def refers_to(obj: Manifest, name: str) -> bool:
    return f'"{name}"' in json.dumps(obj)


def assert_reads_back(router: TrafficRouter, live: dict[ObjectRef, Manifest], route: Route) -> None:
    got = router.get_routes(live)
    assert got is not None
    assert (got.stable_weight, got.candidate_weight) == (route.stable_weight, route.candidate_weight)
    assert got.match == route.match
    assert got.mirror_percent == route.mirror_percent
    assert got.candidate_receives_traffic == route.candidate_receives_traffic


def states(kind: str) -> list[Route]:
    return [r for r in ROUTES if _expressible(kind, r)]


# --- Gateway API ----------------------------------------------------------------------------------

HEALTHZ = {
    "matches": [{"path": {"type": "PathPrefix", "value": "/healthz"}}],
    "backendRefs": [{"name": "status", "port": 80}],
}
REDIRECT = {
    "matches": [{"path": {"type": "PathPrefix", "value": "/old"}}],
    "filters": [
        {
            "type": "RequestRedirect",
            "requestRedirect": {"path": {"type": "ReplaceFullPath", "replaceFullPath": "/new"}},
        }
    ],
}
PREDICT = {
    "name": "predict",
    "matches": [{"path": {"type": "PathPrefix", "value": "/predict"}}],
    "filters": [
        {
            "type": "RequestHeaderModifier",
            "requestHeaderModifier": {"add": [{"name": "x-src", "value": "gw"}]},
        }
    ],
    "backendRefs": [{"name": "sentiment", "port": 8080}],
    "timeouts": {"request": "10s"},
}
FRONTEND = {"backendRefs": [{"group": "", "kind": "Service", "name": "frontend", "port": 80}]}


def user_http_route(rules: list[Manifest], name: str = "shop") -> Manifest:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": {"tier": "web"},
            "annotations": {"owner": "shop-team"},
            "resourceVersion": "41",
            "finalizers": ["example.com/keep"],
        },
        "spec": {
            "parentRefs": [{"name": "shop-gw", "namespace": "gateway-system", "sectionName": "https"}],
            "hostnames": ["shop.example.com"],
            "rules": copy.deepcopy(rules),
        },
    }


def ours(rule: Manifest) -> bool:
    return merge.gateway_rule_is_ours(rule, ("sentiment", "sentiment-candidate"), NS)


@pytest.mark.parametrize("route", states("gatewayAPI"), ids=str)
def test_http_route_keeps_the_users_rules(route: Route) -> None:
    r = make_router("gatewayAPI", http_route="shop")
    user = user_http_route([HEALTHZ, PREDICT, REDIRECT, FRONTEND])
    live = {ObjectRef.of(user): user}
    write(r.set_routes(Route(100, 0)), live)  # a run starts at 0 %, then moves
    write(r.set_routes(route), live)
    obj = live[ObjectRef.of(user)]
    rules = obj["spec"]["rules"]
    assert rules[0] == HEALTHZ and rules[-2:] == [REDIRECT, FRONTEND], "the user's rules moved or changed"
    mine = rules[1:-2]
    assert all(ours(x) for x in mine) and len(mine) == (2 if route.match else 1)
    default = mine[-1]
    # the user's rule to the model keeps its name, path, header filter and timeout
    assert default["name"] == "predict" and default["matches"] == PREDICT["matches"]
    assert default["timeouts"] == {"request": "10s"}
    assert default["filters"][0] == next(iter(PREDICT["filters"]))
    if route.match:  # the A/B condition holds only on the user's path
        [m] = mine[0]["matches"]
        assert m["path"] == {"type": "PathPrefix", "value": "/predict"}
        assert "name" not in mine[0] and mine[0]["timeouts"] == {"request": "10s"}
    assert obj["spec"]["hostnames"] == ["shop.example.com", "sentiment.ml.example.com"]
    assert obj["spec"]["parentRefs"][0] == user["spec"]["parentRefs"][0]
    assert (
        obj["metadata"]["labels"]["tier"] == "web" and obj["metadata"]["annotations"]["owner"] == "shop-team"
    )
    assert obj["metadata"]["finalizers"] == ["example.com/keep"]
    assert_reads_back(r, live, route)

    write(r.finalize(), live)
    final = live[ObjectRef.of(user)]
    assert not refers_to(final, "sentiment-candidate")
    expected = {
        **PREDICT,
        "backendRefs": [{"group": "", "kind": "Service", "name": "sentiment", "port": 8080, "weight": 100}],
    }
    assert final["spec"]["rules"] == [HEALTHZ, expected, REDIRECT, FRONTEND]
    assert r.get_routes(live) == Route(candidate=False)


def test_http_route_without_a_rule_for_the_model_gets_ours_last() -> None:
    r = make_router("gatewayAPI", http_route="shop")
    user = user_http_route([HEALTHZ, REDIRECT])
    live = {ObjectRef.of(user): user}
    write(r.set_routes(Route(75, 25, match=RouteMatch("header", "x-v", "b"))), live)
    rules = live[ObjectRef.of(user)]["spec"]["rules"]
    assert rules[:2] == [HEALTHZ, REDIRECT] and all(ours(x) for x in rules[2:]) and len(rules) == 4
    write(r.finalize(), live)  # the A/B rule goes; the default rule stays where it was
    rules = live[ObjectRef.of(user)]["spec"]["rules"]
    assert rules[:2] == [HEALTHZ, REDIRECT] and len(rules) == 3
    assert rules[2]["backendRefs"] == [
        {"group": "", "kind": "Service", "name": "sentiment", "port": 8080, "weight": 100}
    ]


def test_http_route_every_rule_to_the_model_is_split() -> None:
    """Two paths to the model: both carry the split, neither is lost."""
    r = make_router("gatewayAPI", http_route="shop")
    v2 = {**PREDICT, "name": "v2", "matches": [{"path": {"type": "PathPrefix", "value": "/v2"}}]}
    user = user_http_route([PREDICT, HEALTHZ, v2])
    live = {ObjectRef.of(user): user}
    write(r.set_routes(Route(50, 50)), live)
    rules = live[ObjectRef.of(user)]["spec"]["rules"]
    assert [x.get("name") for x in rules] == ["predict", None, "v2"] and rules[1] == HEALTHZ
    for x in (rules[0], rules[2]):
        assert [b["weight"] for b in x["backendRefs"]] == [50, 50]
    assert_reads_back(r, live, Route(50, 50))


def test_http_route_a_b_replaces_a_same_name_user_header() -> None:
    r = make_router("gatewayAPI", http_route="shop")
    tenant = {
        **PREDICT,
        "matches": [{"headers": [{"name": "X-Variant", "value": "a"}, {"name": "x-tenant", "value": "t1"}]}],
    }
    live = {ObjectRef.of(user_http_route([tenant])): user_http_route([tenant])}
    route = Route(100, 0, match=RouteMatch("header", "x-variant", "b"))
    write(r.set_routes(route), live)
    ab = live[ObjectRef("gateway.networking.k8s.io/v1", "HTTPRoute", NS, "shop")]["spec"]["rules"][0]
    assert ab["matches"] == [
        {
            "headers": [
                {"name": "x-tenant", "value": "t1"},
                {"type": "Exact", "name": "x-variant", "value": "b"},
            ]
        }
    ]
    assert_reads_back(r, live, route)


# --- Istio ----------------------------------------------------------------------------------------

ADMIN = {
    "name": "admin",
    "match": [{"uri": {"prefix": "/admin"}}],
    "route": [{"destination": {"host": "admin-ui"}}],
}
LEGACY = {
    "name": "legacy",
    "match": [{"headers": {"x-legacy": {"exact": "1"}}}],
    "route": [{"destination": {"host": "sentiment", "subset": "legacy"}}],
}
ISTIO_PREDICT = {
    "name": "predict",
    "match": [{"uri": {"prefix": "/predict"}}],
    "route": [{"destination": {"host": "sentiment.ml.svc.cluster.local", "port": {"number": 8080}}}],
    "timeout": "5s",
    "retries": {"attempts": 3, "perTryTimeout": "2s"},
}
FALLBACK = {"name": "fallback", "route": [{"destination": {"host": "frontend"}}]}


def user_istio() -> tuple[Manifest, Manifest]:
    meta = {"namespace": NS, "labels": {"tier": "web"}}
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {**meta, "name": "shop"},
        "spec": {
            "hosts": ["shop.example.com"],
            "gateways": ["istio-system/shop-gw"],
            "http": copy.deepcopy([ADMIN, LEGACY, ISTIO_PREDICT, FALLBACK]),
        },
    }
    dr = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {**meta, "name": "shop"},
        "spec": {
            "host": "sentiment.ml.svc.cluster.local",
            "trafficPolicy": {"connectionPool": {"tcp": {"maxConnections": 100}}},
            "subsets": [
                {"name": "legacy", "labels": {"version": "0.9"}},
                {
                    "name": "stable",
                    "labels": {"version": "1"},
                    "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}},
                },
            ],
        },
    }
    return vs, dr


@pytest.mark.parametrize("route", states("istio"), ids=str)
def test_virtual_service_and_destination_rule_keep_the_users_parts(route: Route) -> None:
    r = make_router("istio", virtual_service="shop", destination_rule="shop")
    vs, dr = user_istio()
    live = {ObjectRef.of(vs): vs, ObjectRef.of(dr): dr}
    write(r.set_routes(Route(100, 0)), live)
    write(r.set_routes(route), live)
    http = live[ObjectRef.of(vs)]["spec"]["http"]
    assert http[:2] == [ADMIN, LEGACY] and http[-1] == FALLBACK, "the user's routes moved or changed"
    mine = http[2:-1]
    assert [m["name"] for m in mine] == (
        ["predict-candidate-match", "predict"] if route.match else ["predict"]
    )
    default = mine[-1]
    assert default["match"] == ISTIO_PREDICT["match"] and default["timeout"] == "5s"
    assert default["retries"] == ISTIO_PREDICT["retries"]
    if route.match:
        assert mine[0]["match"][0]["uri"] == {"prefix": "/predict"} and mine[0]["timeout"] == "5s"
    spec = live[ObjectRef.of(vs)]["spec"]
    assert spec["hosts"] == ["shop.example.com", "sentiment", "sentiment.ml.example.com"]
    assert spec["gateways"] == ["istio-system/shop-gw", "gateway-system/inference-gw", "mesh"]
    rule = live[ObjectRef.of(dr)]["spec"]
    assert (
        rule["host"] == "sentiment.ml.svc.cluster.local"
        and rule["trafficPolicy"] == dr["spec"]["trafficPolicy"]
    )
    assert [s["name"] for s in rule["subsets"]] == ["legacy", "stable", "candidate"]
    assert rule["subsets"][0] == dr["spec"]["subsets"][0]
    assert rule["subsets"][1]["trafficPolicy"] == {"loadBalancer": {"simple": "ROUND_ROBIN"}}
    assert rule["subsets"][1]["labels"] == {"ai-deploy-ci.io/track": "stable"}
    assert_reads_back(r, live, route)

    write(r.finalize(), live)
    http = live[ObjectRef.of(vs)]["spec"]["http"]
    assert http[:2] == [ADMIN, LEGACY] and http[-1] == FALLBACK and len(http) == 4
    assert not any(d["destination"].get("subset") == "candidate" for x in http for d in x["route"])
    assert "mirror" not in http[2]
    assert [s["name"] for s in live[ObjectRef.of(dr)]["spec"]["subsets"]] == ["legacy", "stable"]
    assert r.get_routes(live) == Route(candidate=False)


def test_virtual_service_keeps_a_users_mirror_elsewhere() -> None:
    r = make_router("istio", virtual_service="shop", destination_rule="shop")
    vs, dr = user_istio()
    vs["spec"]["http"][2]["mirror"] = {"host": "audit"}
    live = {ObjectRef.of(vs): vs, ObjectRef.of(dr): dr}
    write(r.set_routes(Route(75, 25)), live)
    assert live[ObjectRef.of(vs)]["spec"]["http"][2]["mirror"] == {"host": "audit"}
    assert r.get_routes(live) == Route(75, 25)
    shadow = Route(100, 0, mirror_percent=50)
    write(r.set_routes(shadow), live)  # Istio takes `mirror` or `mirrors`: both go into `mirrors`
    predict = live[ObjectRef.of(vs)]["spec"]["http"][2]
    assert "mirror" not in predict and predict["mirrors"][0] == {"destination": {"host": "audit"}}
    assert predict["mirrors"][1]["destination"]["subset"] == "candidate"
    assert_reads_back(r, live, shadow)
    write(r.finalize(), live)
    predict = live[ObjectRef.of(vs)]["spec"]["http"][2]
    assert predict["mirrors"] == [{"destination": {"host": "audit"}}] and "mirror" not in predict


# --- ingress-nginx --------------------------------------------------------------------------------


def user_ingress() -> Manifest:
    def path(p: str, svc: str, port: dict[str, Any]) -> Manifest:
        return {"path": p, "pathType": "Prefix", "backend": {"service": {"name": svc, "port": port}}}

    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "shop",
            "namespace": NS,
            "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"},
        },
        "spec": {
            "ingressClassName": "nginx-public",
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            path("/static", "frontend", {"number": 80}),
                            path("/predict", "sentiment", {"name": "http"}),
                        ]
                    },
                },
                {
                    "host": "api.example.com",
                    "http": {"paths": [path("/v1/predict", "sentiment", {"number": 8080})]},
                },
            ],
        },
    }


@pytest.mark.parametrize("route", states("nginx"), ids=str)
def test_nginx_leaves_the_users_ingress_and_copies_its_paths(route: Route) -> None:
    r = make_router("nginx", ingress="shop")
    user = user_ingress()
    live = {ObjectRef.of(user): user}
    write(r.set_routes(Route(100, 0)), live)
    write(r.set_routes(route), live)
    assert live[ObjectRef.of(user)] == user, "the user's Ingress was changed"
    canary = live[ObjectRef("networking.k8s.io/v1", "Ingress", NS, "shop-canary")]
    backend = {"service": {"name": "sentiment-candidate", "port": {"number": 8080}}}
    assert canary["spec"]["ingressClassName"] == "nginx-public"
    assert canary["spec"]["rules"] == [
        {
            "host": "shop.example.com",
            "http": {"paths": [{"path": "/predict", "pathType": "Prefix", "backend": backend}]},
        },
        {
            "host": "api.example.com",
            "http": {"paths": [{"path": "/v1/predict", "pathType": "Prefix", "backend": backend}]},
        },
    ]
    assert_reads_back(r, live, route)
    write(r.finalize(), live)
    assert list(live) == [ObjectRef.of(user)] and live[ObjectRef.of(user)] == user


def test_nginx_canary_follows_a_legacy_ingress_class_annotation() -> None:
    r = make_router("nginx", ingress="shop")
    user = user_ingress()
    del user["spec"]["ingressClassName"]
    user["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "internal"
    live = {ObjectRef.of(user): user}
    write(r.set_routes(Route(50, 50)), live)
    canary = live[ObjectRef("networking.k8s.io/v1", "Ingress", NS, "shop-canary")]
    assert "ingressClassName" not in canary["spec"]
    assert canary["metadata"]["annotations"]["kubernetes.io/ingress.class"] == "internal"


def test_nginx_replaces_a_stable_ingress_it_created() -> None:
    r = make_router("nginx")
    [stable, _] = r.set_routes(Route(75, 25)).apply
    live = {ObjectRef.of(stable): merge.merge(stable, None)}
    moved = make_router("nginx", hosts=("other.example.com",))
    write(moved.set_routes(Route(75, 25)), live)
    assert live[ObjectRef.of(stable)]["spec"]["rules"][0]["host"] == "other.example.com"


# --- unchanged behaviour --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gatewayAPI", "istio", "nginx"])
def test_without_a_live_object_the_rendered_one_is_written(kind: str) -> None:
    r = make_router(kind)
    for obj in r.set_routes(Route(75, 25)).apply:
        body = merge.merge(obj, None)
        annotations = dict(obj["metadata"]["annotations"])
        del annotations[merge.DIRECTIVE]
        assert body == {**obj, "metadata": {**obj["metadata"], "annotations": annotations}}


def test_a_snapshot_is_restored_wholesale() -> None:
    """Rollback writes pre-run objects, which carry no directive: nothing is merged."""
    before = user_http_route([HEALTHZ, PREDICT])
    after = user_http_route([FRONTEND])
    assert merge.merge(before, after) == before
