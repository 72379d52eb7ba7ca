"""Routers render routes as manifests and read them back: set → get is the identity."""

from __future__ import annotations

import pytest

from ai_deploy_ci.plan.model import ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers import ROUTERS
from ai_deploy_ci.spec import capabilities
from tests.unit.engine.schemas import validate
from tests.unit.engine.specs import make_spec, state_with_stable

ROUTES = [
    Route(100, 0),
    Route(75, 25),
    Route(0, 100),
    Route(candidate=False),
    Route(100, 0, match=RouteMatch("header", "x-model-variant", "candidate")),
    Route(100, 0, match=RouteMatch("query", "variant", "b")),
    Route(100, 0, match=RouteMatch("cookie", "canary", "always")),
    Route(100, 0, mirror_percent=50),
    Route(100, 0, mirror_percent=12.5),
]


def _expressible(router: str, route: Route) -> bool:
    caps = capabilities.capabilities(router)
    C = capabilities.Capability
    if route.candidate_weight not in (0, 100) and C.WEIGHTS not in caps:
        return False
    if route.candidate_weight == 100 and C.SELECTOR_SWITCH not in caps:
        return False
    if route.match and capabilities.MATCH_NEEDS[route.match.kind] not in caps:
        return False
    return not (route.mirror_percent and C.MIRROR not in caps)


CASES = [(r, route) for r in ROUTERS for route in ROUTES if _expressible(r, route) and r != "replicas"]


@pytest.mark.parametrize(("router", "route"), CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)])
def test_set_then_get_round_trips(router: str, route: Route) -> None:
    spec = make_spec("canary" if router != "service" else "blueGreen", router)
    r = ROUTERS[router](spec, state_with_stable(spec))
    change = r.set_routes(route)
    for obj in change.apply:
        validate(obj)
    live = {ObjectRef.of(o): o for o in change.apply}
    got = r.get_routes(live)
    assert got is not None
    assert got.candidate_receives_traffic == route.candidate_receives_traffic
    assert (got.stable_weight, got.candidate_weight) == (route.stable_weight, route.candidate_weight)
    if router != "service":
        assert got.match == route.match
        assert got.mirror_percent == route.mirror_percent


@pytest.mark.parametrize("router", [r for r in ROUTERS if r != "istio"])
def test_routes_it_cannot_express_are_refused(router: str) -> None:
    spec = make_spec("canary" if router != "service" else "blueGreen", router)
    r = ROUTERS[router](spec, state_with_stable(spec))
    impossible = [route for route in ROUTES if not _expressible(router, route)]
    assert impossible
    for route in impossible:
        with pytest.raises(ValueError):
            r.set_routes(route)


def test_nginx_cookie_needs_always() -> None:
    spec = make_spec("abTest", "nginx")
    r = ROUTERS["nginx"](spec, state_with_stable(spec))
    with pytest.raises(ValueError, match="always"):
        r.set_routes(Route(100, 0, match=RouteMatch("cookie", "beta", "yes")))


def test_gateway_mirror_uses_percent_or_fraction() -> None:
    spec = make_spec("shadow", "gatewayAPI")
    r = ROUTERS["gatewayAPI"](spec, state_with_stable(spec))
    [route] = r.set_routes(Route(100, 0, mirror_percent=12.5)).apply
    mirror = route["spec"]["rules"][-1]["filters"][0]["requestMirror"]
    assert mirror["fraction"] == {"numerator": 1, "denominator": 8}
