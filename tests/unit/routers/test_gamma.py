"""Gateway API mesh mode (GAMMA: Linkerd, Istio ambient): the HTTPRoute's parentRef is the
model's Service, no Gateway and no hostnames (issue #12)."""

from __future__ import annotations

from dataclasses import replace

from ai_deploy_ci.plan.model import Route
from ai_deploy_ci.routers import router_for
from tests.unit.engine.specs import make_spec, state_with_stable


def test_mesh_mode_attaches_the_route_to_the_service() -> None:
    spec = make_spec("canary", "gatewayAPI")
    spec = replace(spec, traffic_router=replace(spec.traffic_router, mesh=True))
    router = router_for(spec, state_with_stable(spec))
    [route] = router.set_routes(Route(80, 20)).apply
    parent = {"group": "", "kind": "Service", "name": "sentiment", "port": 8080}
    assert route["spec"]["parentRefs"] == [parent]
    assert "hostnames" not in route["spec"]
    weights = {b["name"]: b["weight"] for b in route["spec"]["rules"][-1]["backendRefs"]}
    assert weights == {"sentiment": 80, "sentiment-candidate": 20}
    assert router.get_routes({router.owned()[0]: route}) == Route(80, 20)


def test_the_linkerd_example_validates() -> None:
    from pathlib import Path

    from ai_deploy_ci.spec.load import load_spec

    spec = load_spec(Path(__file__).resolve().parents[3] / "examples" / "canary-linkerd.yaml")
    assert spec.traffic_router.mesh and spec.traffic_router.gateway is None
