"""Istio VirtualService and DestinationRule: our `http` routes are those whose destinations are the
model's Service host with no subset or subset stable/candidate; our subsets are `stable` and
`candidate` (see `routers.merge`). Pure."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ai_deploy_ci.plan.model import Manifest
from ai_deploy_ci.routers.merge import common

SUBSETS = ("stable", "candidate")  # the DestinationRule subsets we manage


def _istio_join(_key: str, user: Manifest | None, ours: Manifest) -> Manifest:
    """Istio conditions are maps keyed by name: ours win."""
    return {**(user or {}), **ours}


def istio_host_is(host: str | None, service: str, namespace: str) -> bool:
    """The Service's host, short (resolved in the route's namespace) or qualified."""
    if host is None:
        return False
    return host in (service, f"{service}.{namespace}", f"{service}.{namespace}.svc") or host.startswith(
        f"{service}.{namespace}.svc."
    )


def istio_dest_is(
    dest: Mapping[str, Any] | None, service: str, namespace: str, subsets: Sequence[Any]
) -> bool:
    return (
        dest is not None
        and istio_host_is(dest.get("host"), service, namespace)
        and dest.get("subset") in subsets
    )


def istio_route_is_ours(http: Mapping[str, Any], service: str, namespace: str) -> bool:
    return any(
        istio_dest_is(r.get("destination"), service, namespace, (None, *SUBSETS))
        for r in http.get("route") or []
    )


def istio_route_is_template(http: Mapping[str, Any], service: str, namespace: str) -> bool:
    """A route that sends to the model's stable pods (or the whole Service): ours to re-render."""
    return any(
        istio_dest_is(r.get("destination"), service, namespace, (None, "stable"))
        for r in http.get("route") or []
    )


ISTIO_OURS = ("name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirrors")


def _istio_mirrors(rendered: Manifest, tmpl: Manifest, service: str, namespace: str) -> Manifest:
    """Our mirror (if any) beside the user's mirrors to other hosts: `mirror` alone, or `mirrors`."""

    def theirs(dest: Mapping[str, Any] | None) -> bool:
        return dest is not None and not istio_host_is(dest.get("host"), service, namespace)

    single = tmpl.get("mirror") if theirs(tmpl.get("mirror")) else None
    listed = [copy.deepcopy(m) for m in tmpl.get("mirrors") or [] if theirs(m.get("destination"))]
    own = rendered.get("mirror")
    out: Manifest = {}
    if own is None or not (single or listed):
        if own is not None:
            out["mirror"] = copy.deepcopy(own)
            out["mirrorPercentage"] = copy.deepcopy(rendered["mirrorPercentage"])
        elif single:
            out["mirror"] = copy.deepcopy(single)
            if "mirrorPercentage" in tmpl:
                out["mirrorPercentage"] = copy.deepcopy(tmpl["mirrorPercentage"])
        if listed:
            out["mirrors"] = listed
        return out
    # Istio takes `mirror` or `mirrors`, not both: theirs and ours go into `mirrors`
    if single:
        pct = {"percentage": copy.deepcopy(tmpl["mirrorPercentage"])} if "mirrorPercentage" in tmpl else {}
        listed.insert(0, {"destination": copy.deepcopy(single), **pct})
    listed.append(
        {"destination": copy.deepcopy(own), "percentage": copy.deepcopy(rendered["mirrorPercentage"])}
    )
    out["mirrors"] = listed
    return out


def virtual_service(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    ns = body["metadata"]["namespace"]
    service: str = how["services"][0]

    def fit(rendered: Manifest, tmpl: Manifest) -> Manifest:
        ab = "match" in rendered
        tname = tmpl.get("name")
        out: Manifest = {}
        if ab:
            out["name"] = rendered["name"] if tname in (None, "primary") else f"{tname}-{rendered['name']}"
            out["match"] = common.combine(tmpl.get("match"), rendered["match"], _istio_join)
        else:
            out["name"] = tname or rendered["name"]
            if "match" in tmpl:
                out["match"] = copy.deepcopy(tmpl["match"])
        out["route"] = copy.deepcopy(rendered["route"])
        if not ab:
            out.update(_istio_mirrors(rendered, tmpl, service, ns))
        out.update({k: copy.deepcopy(v) for k, v in tmpl.items() if k not in ISTIO_OURS})
        return out

    lspec = live.get("spec", {})
    spec = copy.deepcopy(lspec)
    spec["http"] = common.splice(
        lspec.get("http") or [],
        body["spec"]["http"],
        ours=lambda r: istio_route_is_ours(r, service, ns),
        template=lambda r: istio_route_is_template(r, service, ns),
        fit=fit,
    )
    spec["hosts"] = common.union(lspec.get("hosts") or [], body["spec"]["hosts"])
    if body["spec"].get("gateways"):
        spec["gateways"] = common.union(lspec.get("gateways") or ["mesh"], body["spec"]["gateways"])
    return common.with_rest(body, live, spec)


def destination_rule(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    ns = body["metadata"]["namespace"]
    lspec = live.get("spec", {})
    spec = copy.deepcopy(lspec)
    if not istio_host_is(lspec.get("host"), how["services"][0], ns):
        spec["host"] = body["spec"]["host"]
    live_subsets = lspec.get("subsets") or []
    by_name = {s.get("name"): s for s in live_subsets}
    # ours win; a live subset of the same name keeps its other fields (its trafficPolicy)
    fitted = [
        {**copy.deepcopy(by_name.get(r["name"], {})), **copy.deepcopy(r)} for r in body["spec"]["subsets"]
    ]
    subsets: list[Manifest] = []
    placed = False
    for s in live_subsets:
        if s.get("name") not in SUBSETS:
            subsets.append(copy.deepcopy(s))
        elif not placed:
            subsets.extend(fitted)
            placed = True
    spec["subsets"] = subsets if placed else subsets + fitted
    return common.with_rest(body, live, spec)
