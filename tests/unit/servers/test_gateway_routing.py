"""The gateway's routing decisions as a pure function: objects in → table; request → backend."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from ai_deploy_ci.local.gateway.objects import Request, host_matches, path_prefix_matches
from ai_deploy_ci.local.gateway.table import RouteTable, Snapshot
from tests.unit.servers.k8s_objects import (
    backend,
    destinationrule,
    httproute,
    ingress,
    pod,
    service,
    virtualservice,
)

SERVICES = [
    service("model", {"app": "model"}, ip="127.20.0.1"),
    service("model-v1", {"app": "model", "version": "v1"}, ip="127.20.0.2"),
    service("model-v2", {"app": "model", "version": "v2"}, ip="127.20.0.3"),
]
PODS = [
    pod("a", {"app": "model", "version": "v1"}, "127.10.0.1"),
    pod("b", {"app": "model", "version": "v2"}, "127.10.0.2"),
    pod("c", {"app": "model", "version": "v2"}, "127.10.0.3", ready=False),
    pod("d", {"app": "model", "version": "v1"}, "127.10.0.4", deleting=True),
]
HOST = "model.example.com"


def table(**kinds: list[dict[str, Any]]) -> RouteTable:
    return RouteTable(Snapshot(services=SERVICES, pods=PODS, **kinds))


def shares(
    t: RouteTable, req: Request, n: int = 4000, cluster_ip: tuple[str, int] | None = None
) -> dict[str, float]:
    rng = random.Random(5)
    counts: Counter[str] = Counter()
    for _ in range(n):
        d = t.decide_cluster_ip(*cluster_ip, req, rng) if cluster_ip else t.decide_public(req, rng)
        counts[d.target.key if d.target else f"status {d.status}"] += 1
    return {k: v / n for k, v in counts.items()}


@pytest.mark.parametrize(
    ("pattern", "host", "ok"),
    [
        ("a.example.com", "a.example.com", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "example.com", False),
        ("*", "x", True),
        ("a.example.com", "b.example.com", False),
    ],
)
def test_host_matches(pattern: str, host: str, ok: bool) -> None:
    assert host_matches(pattern, host) is ok


@pytest.mark.parametrize(
    ("prefix", "path", "ok"),
    [
        ("/", "/anything", True),
        ("/v1", "/v1", True),
        ("/v1", "/v1/x", True),
        ("/v1", "/v10", False),
        ("/v1/", "/v1/x", True),
    ],
)
def test_path_prefix_is_element_wise(prefix: str, path: str, ok: bool) -> None:
    assert path_prefix_matches(prefix, path) is ok


def test_endpoints_only_ready_pods_matching_selector() -> None:
    t = table()
    from ai_deploy_ci.local.gateway.objects import Target

    assert t.endpoints(Target("default", "model")) == [("127.10.0.1", 8080), ("127.10.0.2", 8080)]
    assert t.endpoints(Target("default", "model-v2")) == [("127.10.0.2", 8080)]
    assert t.endpoints(Target("default", "missing")) == []
    assert t.listeners() == {("127.20.0.1", 80), ("127.20.0.2", 80), ("127.20.0.3", 80)}


def test_cluster_ip_follows_selector() -> None:
    t = table()
    d = t.decide_cluster_ip("127.20.0.3", 80, Request("x"), random.Random(0))
    assert d.target is not None and d.target.key == "default/model-v2"
    assert t.decide_cluster_ip("127.20.0.9", 80, Request("x"), random.Random(0)).status == 503


@pytest.mark.parametrize(
    "weights", [(100, 0), (75, 25), (50, 50), (25, 75), (0, 100)], ids=lambda w: f"{w[0]}-{w[1]}"
)
def test_httproute_weights(weights: tuple[int, int]) -> None:
    t = table(
        httproutes=[
            httproute(
                "r", [{"backendRefs": [backend("model-v1", weights[0]), backend("model-v2", weights[1])]}]
            )
        ]
    )
    got = shares(t, Request(HOST))
    assert got.get("default/model-v1", 0) == pytest.approx(weights[0] / 100, abs=0.03)
    assert got.get("default/model-v2", 0) == pytest.approx(weights[1] / 100, abs=0.03)


def test_httproute_all_zero_weights_is_500_and_unknown_host_404() -> None:
    t = table(httproutes=[httproute("r", [{"backendRefs": [backend("model-v1", 0)]}])])
    assert t.decide_public(Request(HOST), random.Random(0)).status == 500
    assert t.decide_public(Request("other.example.com"), random.Random(0)).status == 404


HEADER_RULES = [
    {"matches": [{"headers": [{"name": "X-Canary", "value": "yes"}]}], "backendRefs": [backend("model-v2")]},
    {"matches": [{"queryParams": [{"name": "v", "value": "2"}]}], "backendRefs": [backend("model-v2")]},
    {"matches": [{"path": {"type": "Exact", "value": "/predict"}}], "backendRefs": [backend("model-v1")]},
    {"matches": [{"path": {"type": "PathPrefix", "value": "/v2"}}], "backendRefs": [backend("model-v2")]},
    {"backendRefs": [backend("model-v1")]},
]


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/x", {"x-canary": "yes"}, "default/model-v2"),
        ("/x", {"x-canary": "no"}, "default/model-v1"),
        ("/x?v=2", {}, "default/model-v2"),
        ("/predict", {"x-canary": "yes"}, "default/model-v1"),  # an Exact path outranks a header match
        ("/v2/models/iris/infer", {}, "default/model-v2"),
        ("/v2x", {}, "default/model-v1"),
    ],
    ids=["header", "header-mismatch", "query", "exact-path-wins", "prefix", "prefix-element-wise"],
)
def test_httproute_matches_and_precedence(path: str, headers: dict[str, str], expected: str) -> None:
    t = table(httproutes=[httproute("r", HEADER_RULES)])
    req = Request.from_http("GET", path, {"Host": HOST + ":8080", **headers})
    d = t.decide_public(req, random.Random(0))
    assert d.target is not None and d.target.key == expected


@pytest.mark.parametrize(
    ("mirror", "fraction"),
    [
        ({}, 1.0),
        ({"percent": 30}, 0.3),
        ({"fraction": {"numerator": 1, "denominator": 4}}, 0.25),
        ({"fraction": {"numerator": 5}}, 0.05),
    ],
    ids=["default-all", "percent", "fraction", "fraction-default-denominator"],
)
def test_httproute_request_mirror(mirror: dict[str, Any], fraction: float) -> None:
    rule = {
        "backendRefs": [backend("model-v1")],
        "filters": [
            {"type": "RequestMirror", "requestMirror": {"backendRef": backend("model-v2"), **mirror}}
        ],
    }
    d = table(httproutes=[httproute("r", [rule])]).decide_public(Request(HOST), random.Random(0))
    assert d.target is not None and d.target.key == "default/model-v1"
    assert [(m.target.key, m.fraction) for m in d.mirrors] == [("default/model-v2", fraction)]


def test_httproute_mesh_parent_service_routes_cluster_ip_traffic() -> None:
    route = httproute(
        "mesh",
        [{"backendRefs": [backend("model-v2")]}],
        hostnames=[],
        parent={"group": "", "kind": "Service", "name": "model", "port": 80},
    )
    t = table(httproutes=[route])
    assert shares(t, Request("x"), 50, cluster_ip=("127.20.0.1", 80)) == {"default/model-v2": 1.0}
    assert t.decide_public(Request(HOST), random.Random(0)).status == 404  # not a public route


SUBSETS = destinationrule("model", {"v1": {"version": "v1"}, "v2": {"version": "v2"}})


def vs_weights(w1: int, w2: int, **extra: Any) -> dict[str, Any]:
    return {
        "route": [
            {"destination": {"host": "model", "subset": "v1"}, "weight": w1},
            {"destination": {"host": "model", "subset": "v2"}, "weight": w2},
        ],
        **extra,
    }


@pytest.mark.parametrize(("w1", "w2"), [(100, 0), (90, 10), (50, 50), (0, 100)])
def test_istio_weights_and_subsets(w1: int, w2: int) -> None:
    t = table(virtualservices=[virtualservice("vs", [vs_weights(w1, w2)])], destinationrules=[SUBSETS])
    got = shares(t, Request(HOST))
    assert got.get("default/model/v2", 0) == pytest.approx(w2 / 100, abs=0.03)
    from ai_deploy_ci.local.gateway.objects import Target

    v2 = Target("default", "model", None, "v2", (("version", "v2"),))
    assert t.endpoints(v2) == [("127.10.0.2", 8080)]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-user": "canary-tester"}, "default/model/v2"),
        ({"cookie": "session=1;canary=always"}, "default/model/v2"),  # full match, as Envoy
        ({"cookie": "canary=never"}, "default/model/v1"),
        ({}, "default/model/v1"),
    ],
    ids=["header-exact", "cookie-regex", "cookie-other", "none"],
)
def test_istio_header_and_cookie_match_first_route_wins(headers: dict[str, str], expected: str) -> None:
    http = [
        {
            "match": [
                {"headers": {"x-user": {"exact": "canary-tester"}}},
                {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}},
            ],
            "route": [{"destination": {"host": "model", "subset": "v2"}}],
        },
        vs_weights(100, 0),
    ]
    t = table(virtualservices=[virtualservice("vs", http)], destinationrules=[SUBSETS])
    d = t.decide_public(Request(HOST, headers=headers), random.Random(0))
    assert d.target is not None and d.target.key == expected


def test_istio_mirror_percentage_and_mesh() -> None:
    http = [vs_weights(100, 0, mirror={"host": "model", "subset": "v2"}, mirrorPercentage={"value": 12.5})]
    t = table(virtualservices=[virtualservice("vs", http, hosts=["model"])], destinationrules=[SUBSETS])
    d = t.decide_cluster_ip("127.20.0.1", 80, Request("127.20.0.1"), random.Random(0))
    assert d.target is not None and d.target.key == "default/model/v1"
    assert [(m.target.key, m.fraction) for m in d.mirrors] == [("default/model/v2", 0.125)]
    # a VirtualService bound only to an ingress gateway leaves mesh traffic to kube-proxy
    t2 = table(
        virtualservices=[virtualservice("vs", http, hosts=["model"], gateways=["gw"])],
        destinationrules=[SUBSETS],
    )
    d2 = t2.decide_cluster_ip("127.20.0.1", 80, Request("127.20.0.1"), random.Random(0))
    assert d2.target is not None and d2.target.key == "default/model"


CANARY = "nginx.ingress.kubernetes.io/"


def nginx_table(**annotations: str) -> RouteTable:
    ann = {CANARY + "canary": "true", **{CANARY + k.replace("_", "-"): v for k, v in annotations.items()}}
    return table(ingresses=[ingress("stable", "model-v1"), ingress("canary", "model-v2", ann)])


@pytest.mark.parametrize(
    ("annotations", "headers", "expected_v2_share"),
    [
        ({"canary_weight": "0"}, {}, 0.0),
        ({"canary_weight": "30"}, {}, 0.3),
        ({"canary_weight": "100"}, {}, 1.0),
        ({"canary_weight": "50", "canary_weight_total": "200"}, {}, 0.25),
        ({"canary_weight": "50", "canary_weight_total": "50"}, {}, 0.5),  # totals below 100 are ignored
        ({"canary_by_header": "X-Canary"}, {"x-canary": "always"}, 1.0),
        ({"canary_by_header": "X-Canary", "canary_weight": "100"}, {"x-canary": "never"}, 0.0),
        ({"canary_by_header": "X-Canary", "canary_by_header_value": "v2"}, {"x-canary": "v2"}, 1.0),
        ({"canary_by_header": "X-Canary", "canary_by_header_value": "v2"}, {"x-canary": "always"}, 0.0),
        ({"canary_by_header": "X-Canary", "canary_by_header_pattern": "^v[23]$"}, {"x-canary": "v3"}, 1.0),
        ({"canary_by_cookie": "canary"}, {"cookie": "a=b; canary=always"}, 1.0),
        ({"canary_by_cookie": "canary", "canary_weight": "100"}, {"cookie": "canary=never"}, 0.0),
        (
            {"canary_by_header": "X-Canary", "canary_by_cookie": "canary"},
            {"x-canary": "always", "cookie": "canary=never"},
            1.0,
        ),  # header before cookie
    ],
    ids=[
        "w0",
        "w30",
        "w100",
        "total200",
        "total-below-100",
        "header-always",
        "header-never-beats-weight",
        "header-value",
        "header-value-mismatch-falls-through",
        "header-pattern",
        "cookie-always",
        "cookie-never-beats-weight",
        "header-before-cookie",
    ],
)
def test_nginx_canary_precedence(
    annotations: dict[str, str], headers: dict[str, str], expected_v2_share: float
) -> None:
    got = shares(nginx_table(**annotations), Request(HOST, "/predict", headers))
    assert got.get("default/model-v2", 0) == pytest.approx(expected_v2_share, abs=0.03)


def test_nginx_canary_without_stable_is_ignored_and_service_dns_name_routes() -> None:
    ann = {CANARY + "canary": "true", CANARY + "canary-weight": "100"}
    t = table(ingresses=[ingress("canary", "model-v2", ann, host="other.example.com")])
    assert t.decide_public(Request("other.example.com"), random.Random(0)).status == 404
    d = t.decide_public(Request("model-v2.default.svc.cluster.local"), random.Random(0))
    assert d.target is not None and d.target.key == "default/model-v2"


def test_router_precedence_httproute_over_istio_over_ingress() -> None:
    t = table(
        httproutes=[httproute("r", [{"backendRefs": [backend("model-v2")]}])],
        virtualservices=[virtualservice("vs", [vs_weights(100, 0)])],
        destinationrules=[SUBSETS],
        ingresses=[ingress("stable", "model-v1")],
    )
    assert t.decide_public(Request(HOST), random.Random(0)).source == "HTTPRoute default/r"


def test_selectorless_service_uses_its_endpoints_object() -> None:
    from ai_deploy_ci.local.gateway.objects import Target

    external = service("external", {}, ip="127.20.0.9")
    eps = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "external", "namespace": "default"},
        "subsets": [
            {
                "addresses": [{"ip": "127.0.0.1"}, {"ip": "127.0.0.2"}],
                "ports": [{"name": "http", "port": 9001}],
            }
        ],
    }
    t = RouteTable(Snapshot(services=[*SERVICES, external], pods=PODS, endpoints=[eps]))
    assert t.endpoints(Target("default", "external")) == [("127.0.0.1", 9001), ("127.0.0.2", 9001)]
    assert RouteTable(Snapshot(services=[external])).endpoints(Target("default", "external")) == []
