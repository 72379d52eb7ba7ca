"""Traffic routers: one module per router type, each rendering routing states as manifests."""

from __future__ import annotations

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter
from ai_deploy_ci.routers.gateway_api import GatewayApiRouter
from ai_deploy_ci.routers.istio import IstioRouter
from ai_deploy_ci.routers.nginx import NginxRouter
from ai_deploy_ci.routers.replicas import ReplicasRouter
from ai_deploy_ci.routers.service import ServiceRouter
from ai_deploy_ci.spec import capabilities
from ai_deploy_ci.spec.model import Spec

ROUTERS: dict[str, type[TrafficRouter]] = {
    r.type: r for r in (ServiceRouter, ReplicasRouter, GatewayApiRouter, IstioRouter, NginxRouter)
}


def match_kind(spec: Spec) -> str | None:
    ab = spec.strategy.ab_test
    if spec.strategy.type != "abTest" or ab is None:
        return None
    return "header" if ab.match.header else "cookie" if ab.match.cookie else "query"


def router_for(spec: Spec, state: ObservedState) -> TrafficRouter:
    """The router a spec names; an unknown type or a missing capability is an error, never a fallback.

    Validation refuses these first (same table); this is the engine's own guard for specs built
    in code.
    """
    try:
        cls = ROUTERS[spec.traffic_router.type]
    except KeyError:
        raise UserError(
            f"unknown traffic router {spec.traffic_router.type!r}", fix=f"use one of {sorted(ROUTERS)}"
        ) from None
    missing = capabilities.missing(spec.strategy.type, cls.type, match_kind(spec))
    if missing:
        able = capabilities.routers_with(capabilities.needs(spec.strategy.type, match_kind(spec)))
        raise UserError(
            f"strategy {spec.strategy.type} needs {', '.join(sorted(missing))}, "
            f"which router {cls.type} lacks",
            fix=f"use trafficRouter.type one of {able}",
        )
    return cls(spec, state)


__all__ = ["ROUTERS", "RouteChange", "TrafficRouter", "match_kind", "router_for"]
