"""What each traffic router can do, and what each strategy needs: one table, no I/O.

Validation uses it to refuse impossible strategy/router pairs before anything touches a
cluster; the engine's routers import the same table, so the two cannot disagree.

Decisions (documented in the schema descriptions and the report):
- `service` only switches the Service selector: rolling, recreate and blueGreen.
- `replicas` splits traffic by pod counts behind one Service: coarse weights (with 4 pods the
  candidate gets 0, 25, 50, 75 or 100 %), no header match, no mirroring.
- `gatewayAPI`: weights, header and query-parameter matches (HTTPRouteMatch), mirroring with a
  percentage (HTTPRequestMirrorFilter `percent`, GEP-3171, Standard). No cookie match: Gateway API
  has no cookie matcher and a regular expression over the whole Cookie header is Extended support and fragile,
  so cookie A/B tests are refused with a fix (match a header, or use istio/nginx).
- `istio`: weights, header/cookie/query matches (cookie via a regex on the `cookie` header, the
  documented Istio idiom), `mirror` + `mirrorPercentage`.
- `nginx` (ingress-nginx canary annotations): `canary-weight`, `canary-by-header(-value)` and
  `canary-by-cookie`; no query match; no mirror: `mirror-target` copies every request with no
  percentage and is not a canary annotation, so shadow is refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Capability(StrEnum):
    SELECTOR_SWITCH = "selector switch"
    WEIGHTS = "weighted traffic split"
    COARSE_WEIGHTS = "weights approximated by pod counts"
    HEADER_MATCH = "header matching"
    COOKIE_MATCH = "cookie matching"
    QUERY_MATCH = "query-parameter matching"
    MIRROR = "traffic mirroring"


C = Capability

ROUTER_CAPABILITIES: Final[dict[str, frozenset[Capability]]] = {
    "service": frozenset({C.SELECTOR_SWITCH}),
    "replicas": frozenset({C.SELECTOR_SWITCH, C.WEIGHTS, C.COARSE_WEIGHTS}),
    "gatewayAPI": frozenset({C.SELECTOR_SWITCH, C.WEIGHTS, C.HEADER_MATCH, C.QUERY_MATCH, C.MIRROR}),
    "istio": frozenset(
        {C.SELECTOR_SWITCH, C.WEIGHTS, C.HEADER_MATCH, C.COOKIE_MATCH, C.QUERY_MATCH, C.MIRROR}
    ),
    "nginx": frozenset({C.SELECTOR_SWITCH, C.WEIGHTS, C.HEADER_MATCH, C.COOKIE_MATCH}),
}

STRATEGY_NEEDS: Final[dict[str, frozenset[Capability]]] = {
    "rolling": frozenset(),  # the Deployment's own rolling update behind the stable Service
    "recreate": frozenset(),
    "blueGreen": frozenset({C.SELECTOR_SWITCH}),
    "canary": frozenset({C.WEIGHTS}),
    "abTest": frozenset(),  # plus the match kind: see `needs`
    "shadow": frozenset({C.MIRROR}),
}

MATCH_NEEDS: Final[dict[str, Capability]] = {
    "header": C.HEADER_MATCH,
    "cookie": C.COOKIE_MATCH,
    "query": C.QUERY_MATCH,
}


def capabilities(router: str) -> frozenset[Capability]:
    """Capabilities of a router type; an unknown router has none (never a silent default)."""
    return ROUTER_CAPABILITIES.get(router, frozenset())


def needs(strategy: str, match_kind: str | None = None) -> frozenset[Capability]:
    """What a strategy needs; for abTest, `match_kind` is header, cookie or query."""
    base = STRATEGY_NEEDS.get(strategy, frozenset())
    if strategy == "abTest" and match_kind in MATCH_NEEDS:
        return base | {MATCH_NEEDS[match_kind]}
    return base


def missing(strategy: str, router: str, match_kind: str | None = None) -> frozenset[Capability]:
    """Capabilities the strategy needs and the router lacks (empty: the pair works)."""
    return needs(strategy, match_kind) - capabilities(router)


def routers_with(required: frozenset[Capability]) -> list[str]:
    """Routers offering all of `required`, in table order: the fix we suggest."""
    return [name for name, caps in ROUTER_CAPABILITIES.items() if required <= caps]
