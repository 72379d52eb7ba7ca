"""HTTPRoute (Gateway API, also GAMMA mesh mode): our rules are those whose backendRefs name one of
the model's Services; a rule to the stable Service is a template our rules replace in place
(see `routers.merge`). Pure."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ai_deploy_ci.plan.model import Manifest
from ai_deploy_ci.routers.merge import common


def gateway_ref_is(ref: Mapping[str, Any], services: Sequence[str], namespace: str) -> bool:
    """A backendRef (or mirror backendRef) to one of `services` in `namespace`."""
    return (
        ref.get("group", "") in ("", "core")
        and ref.get("kind", "Service") == "Service"
        and ref.get("namespace", namespace) == namespace
        and ref.get("name") in services
    )


def gateway_rule_is_ours(rule: Mapping[str, Any], services: Sequence[str], namespace: str) -> bool:
    return any(gateway_ref_is(r, services, namespace) for r in rule.get("backendRefs") or [])


def _gateway_our_mirror(f: Mapping[str, Any], services: Sequence[str], namespace: str) -> bool:
    rm = f.get("requestMirror")
    return (
        f.get("type") == "RequestMirror"
        and rm is not None
        and gateway_ref_is(rm["backendRef"], services, namespace)
    )


def _gateway_join(key: str, user: list[Manifest] | None, ours: list[Manifest]) -> list[Manifest]:
    """Gateway API conditions are lists: ours replace the user's of the same name."""
    names = {_cond_name(key, c["name"]) for c in ours}
    return [c for c in user or [] if _cond_name(key, c["name"]) not in names] + ours


def _cond_name(key: str, name: str) -> str:
    return name.lower() if key == "headers" else name


def http_route(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    ns = body["metadata"]["namespace"]
    services: list[str] = how["services"]

    def fit(rendered: Manifest, tmpl: Manifest) -> Manifest:
        ab = bool(rendered.get("matches"))
        out = {k: copy.deepcopy(v) for k, v in tmpl.items() if k not in ("matches", "filters", "backendRefs")}
        if ab:
            out.pop("name", None)  # rule names are unique within a route
            out["matches"] = common.combine(tmpl.get("matches"), rendered["matches"], _gateway_join)
        elif "matches" in tmpl:
            out["matches"] = copy.deepcopy(tmpl["matches"])
        filters = [
            copy.deepcopy(f) for f in tmpl.get("filters", []) if not _gateway_our_mirror(f, services, ns)
        ]
        filters += copy.deepcopy(rendered.get("filters", []))
        if filters:
            out["filters"] = filters
        out["backendRefs"] = copy.deepcopy(rendered["backendRefs"])
        return out

    lspec = live.get("spec", {})
    spec = copy.deepcopy(lspec)
    spec["rules"] = common.splice(
        lspec.get("rules") or [],
        body["spec"]["rules"],
        ours=lambda r: gateway_rule_is_ours(r, services, ns),
        template=lambda r: gateway_rule_is_ours(r, services[:1], ns),
        fit=fit,
    )
    if lspec.get("hostnames") and body["spec"].get("hostnames"):
        spec["hostnames"] = common.union(lspec["hostnames"], body["spec"]["hostnames"])
    ours_parents = body["spec"].get("parentRefs", [])
    if ours_parents:
        parents = lspec.get("parentRefs") or []
        spec["parentRefs"] = copy.deepcopy(parents) + [
            p for p in ours_parents if not any(_same_parent(p, q, ns) for q in parents)
        ]
    return common.with_rest(body, live, spec)


def _same_parent(a: Mapping[str, Any], b: Mapping[str, Any], namespace: str) -> bool:
    def key(p: Mapping[str, Any]) -> tuple[str, str, str, str]:
        return (
            p.get("group", "gateway.networking.k8s.io"),
            p.get("kind", "Gateway"),
            p.get("namespace", namespace),
            p["name"],
        )

    return key(a) == key(b)
