"""Bringing your own route: merge a rendered route object into the live one, touching only our part.

A router renders whole objects (pure, see `base`), but the HTTPRoute, VirtualService,
DestinationRule or Ingress a spec names may be the user's, with rules for other paths and
services. Like Argo Rollouts (which edits only the weights of the user's route), the engine
manages only what concerns the model's Services and keeps everything else in place and in order.
The executor calls `merge(desired, live)` just before a write and compares the *merged* object
to the live one, so an unchanged route stays unchanged and a re-run converges.

A rendered route object carries the directive annotation `DIRECTIVE` (JSON: its role and the
model's Services); `merge` consumes it and it is never written. An object without it (a pre-run
snapshot being restored by a rollback) is written as it is, wholesale.

What is ours:
- HTTPRoute: rules whose `backendRefs` name one of the model's Services. Each such rule that
  sends to the stable Service is a *template*: it is replaced, in place, by our rendered rules,
  which keep its `name`, `matches`, `filters` (minus our mirror), `timeouts` and any other field
  (an A/B rule combines its header/query condition with each of the template's matches). Rules
  that name only the candidate Service (a previous A/B rule) are dropped. Without a template, our
  rules go where the first of those was, or last.
- VirtualService: the same over `http` routes whose destinations are the model's Service host
  (short or FQDN) with no subset or subset `stable`/`candidate`; `hosts` and `gateways` are unions.
- DestinationRule: the subsets named `stable` and `candidate` (their labels; other fields of a
  live subset of that name, such as its trafficPolicy, are kept); all else is the user's.
- Ingress (ingress-nginx): a live primary Ingress not labelled as ours is the user's and is left
  as it is; the canary Ingress is ours entirely, but copies the host/path rules of the primary's
  paths whose backend is the model's Service (ingress-nginx applies a canary to the same host and
  path only), with the candidate Service as backend, and the primary's ingress class.
Metadata: the live labels and annotations stay, ours are added; HTTPRoute `hostnames` and
`parentRefs` are kept and ours added only when missing (a route without hostnames already
matches every host).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.compare import BOOKKEEPING_METADATA
from ai_deploy_ci.plan.model import LABEL_MANAGED, LABEL_NAME, MANAGED_BY, Manifest, ObjectRef
from ai_deploy_ci.plan.objects import set_directive, without_annotation

DIRECTIVE = "ai-deploy-ci.io/merge"
SUBSETS = ("stable", "candidate")  # the DestinationRule subsets we manage (Istio)
LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class"


def mark(obj: Manifest, role: str, services: Sequence[str], **extra: str) -> Manifest:
    """Tag a rendered route object with what `merge` needs to know (returns `obj`)."""
    return set_directive(obj, DIRECTIVE, {"role": role, "services": list(services), **extra})


def directive(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    return objects.directive(obj, DIRECTIVE)


def related(desired: Manifest) -> ObjectRef | None:
    """Another live object the merge reads: a canary Ingress copies its primary's rules."""
    how = directive(desired)
    if how is None or how.get("role") != "canary":
        return None
    return ObjectRef(desired["apiVersion"], desired["kind"], desired["metadata"]["namespace"], how["primary"])


def merge(desired: Manifest, live: Manifest | None, other: Manifest | None = None) -> Manifest:
    """The object to write: `desired` merged into `live` (see the module docstring).

    `other` is the live object `related(desired)` names, if any. Pure: no I/O.
    """
    how = directive(desired)
    body = without_annotation(desired, DIRECTIVE)
    if how is None:
        return body
    if how["role"] == "canary":
        return _canary_ingress(body, how, other)
    if live is None:
        return body
    return _MERGERS[how["role"]](body, how, live)


def _metadata(desired: Manifest, live: Manifest) -> Manifest:
    """Live metadata (finalizers, owner references, the user's labels...) with ours added."""
    lm = live.get("metadata", {})
    out = {k: copy.deepcopy(v) for k, v in lm.items() if k not in BOOKKEEPING_METADATA}
    dm = desired["metadata"]
    out["name"], out["namespace"] = dm["name"], dm["namespace"]
    for key in ("labels", "annotations"):
        merged = {**(lm.get(key) or {}), **(dm.get(key) or {})}
        if merged:
            out[key] = merged
    return out


def _with_rest(body: Manifest, live: Manifest, spec: Manifest) -> Manifest:
    return {
        "apiVersion": body["apiVersion"],
        "kind": body["kind"],
        "metadata": _metadata(body, live),
        "spec": spec,
    }


def _splice(
    live_items: Sequence[Manifest],
    rendered: Sequence[Manifest],
    ours: Callable[[Manifest], bool],
    template: Callable[[Manifest], bool],
    fit: Callable[[Manifest, Manifest], Manifest],
) -> list[Manifest]:
    """Live items with each template replaced in place by the rendered items fitted to it; our
    other items dropped; without a template, the rendered items where our first item was, or last."""
    out: list[Manifest] = []
    anchor: int | None = None
    templated = False
    for item in live_items:
        if not ours(item):
            out.append(copy.deepcopy(item))
        elif template(item):
            out.extend(fit(r, item) for r in rendered)
            templated = True
        elif anchor is None:
            anchor = len(out)
    if not templated:
        pos = len(out) if anchor is None else anchor
        out[pos:pos] = copy.deepcopy(list(rendered))
    return out


# --- Gateway API HTTPRoute ---------------------------------------------------------------------


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


def _combine(
    user: list[Manifest] | None, ours: list[Manifest], join: Callable[[str, Any, Any], Any]
) -> list[Manifest]:
    """Our A/B condition added to each of the template's matches (a path match must still hold):
    `join(key, user's conditions, ours)` merges one condition list ("headers", "queryParams")."""
    if not user:
        return copy.deepcopy(ours)
    out = []
    for um in user:
        for om in ours:
            m = copy.deepcopy(um)
            for key in ("headers", "queryParams"):
                if key in om:
                    m[key] = join(key, m.get(key), copy.deepcopy(om[key]))
            out.append(m)
    return out


def _gateway_join(key: str, user: list[Manifest] | None, ours: list[Manifest]) -> list[Manifest]:
    """Gateway API conditions are lists: ours replace the user's of the same name."""
    names = {_cond_name(key, c["name"]) for c in ours}
    return [c for c in user or [] if _cond_name(key, c["name"]) not in names] + ours


def _istio_join(_key: str, user: Manifest | None, ours: Manifest) -> Manifest:
    """Istio conditions are maps keyed by name: ours win."""
    return {**(user or {}), **ours}


def _cond_name(key: str, name: str) -> str:
    return name.lower() if key == "headers" else name


def _http_route(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    ns = body["metadata"]["namespace"]
    services: list[str] = how["services"]

    def fit(rendered: Manifest, tmpl: Manifest) -> Manifest:
        ab = bool(rendered.get("matches"))
        out = {k: copy.deepcopy(v) for k, v in tmpl.items() if k not in ("matches", "filters", "backendRefs")}
        if ab:
            out.pop("name", None)  # rule names are unique within a route
            out["matches"] = _combine(tmpl.get("matches"), rendered["matches"], _gateway_join)
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
    spec["rules"] = _splice(
        lspec.get("rules") or [],
        body["spec"]["rules"],
        ours=lambda r: gateway_rule_is_ours(r, services, ns),
        template=lambda r: gateway_rule_is_ours(r, services[:1], ns),
        fit=fit,
    )
    if lspec.get("hostnames") and body["spec"].get("hostnames"):
        spec["hostnames"] = _union(lspec["hostnames"], body["spec"]["hostnames"])
    ours_parents = body["spec"].get("parentRefs", [])
    if ours_parents:
        parents = lspec.get("parentRefs") or []
        spec["parentRefs"] = copy.deepcopy(parents) + [
            p for p in ours_parents if not any(_same_parent(p, q, ns) for q in parents)
        ]
    return _with_rest(body, live, spec)


def _same_parent(a: Mapping[str, Any], b: Mapping[str, Any], namespace: str) -> bool:
    def key(p: Mapping[str, Any]) -> tuple[str, str, str, str]:
        return (
            p.get("group", "gateway.networking.k8s.io"),
            p.get("kind", "Gateway"),
            p.get("namespace", namespace),
            p["name"],
        )

    return key(a) == key(b)


def _union(live: Sequence[Any], ours: Sequence[Any]) -> list[Any]:
    return [*copy.deepcopy(list(live)), *(x for x in ours if x not in live)]


# --- Istio VirtualService and DestinationRule -------------------------------------------------


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


def _virtual_service(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    ns = body["metadata"]["namespace"]
    service: str = how["services"][0]

    def fit(rendered: Manifest, tmpl: Manifest) -> Manifest:
        ab = "match" in rendered
        tname = tmpl.get("name")
        out: Manifest = {}
        if ab:
            out["name"] = rendered["name"] if tname in (None, "primary") else f"{tname}-{rendered['name']}"
            out["match"] = _combine(tmpl.get("match"), rendered["match"], _istio_join)
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
    spec["http"] = _splice(
        lspec.get("http") or [],
        body["spec"]["http"],
        ours=lambda r: istio_route_is_ours(r, service, ns),
        template=lambda r: istio_route_is_template(r, service, ns),
        fit=fit,
    )
    spec["hosts"] = _union(lspec.get("hosts") or [], body["spec"]["hosts"])
    if body["spec"].get("gateways"):
        spec["gateways"] = _union(lspec.get("gateways") or ["mesh"], body["spec"]["gateways"])
    return _with_rest(body, live, spec)


def _destination_rule(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
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
    return _with_rest(body, live, spec)


# --- ingress-nginx Ingress --------------------------------------------------------------------


def _is_ours(desired: Manifest, live: Manifest) -> bool:
    labels = live.get("metadata", {}).get("labels") or {}
    return labels.get(LABEL_MANAGED) == MANAGED_BY and labels.get(LABEL_NAME) == (
        desired["metadata"].get("labels") or {}
    ).get(LABEL_NAME)


def _primary_ingress(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    """A primary Ingress someone else wrote is theirs: left exactly as it is."""
    return body if _is_ours(body, live) else copy.deepcopy(live)


def _canary_ingress(body: Manifest, how: Mapping[str, Any], primary: Manifest | None) -> Manifest:
    if primary is None:
        return body
    service = how["services"][0]
    [backend] = {
        json.dumps(p["backend"], sort_keys=True) for r in body["spec"]["rules"] for p in r["http"]["paths"]
    }
    rules = []
    for rule in primary.get("spec", {}).get("rules") or []:
        paths = [
            {**copy.deepcopy(p), "backend": json.loads(backend)}
            for p in (rule.get("http") or {}).get("paths") or []
            if (p.get("backend", {}).get("service") or {}).get("name") == service
        ]
        if paths:
            rules.append({**({"host": rule["host"]} if "host" in rule else {}), "http": {"paths": paths}})
    out = copy.deepcopy(body)
    if rules:
        out["spec"]["rules"] = rules
    pspec, pann = primary.get("spec", {}), primary.get("metadata", {}).get("annotations") or {}
    if pspec.get("ingressClassName"):
        out["spec"]["ingressClassName"] = pspec["ingressClassName"]
    elif LEGACY_INGRESS_CLASS in pann:
        out["spec"].pop("ingressClassName", None)
        out["metadata"].setdefault("annotations", {})[LEGACY_INGRESS_CLASS] = pann[LEGACY_INGRESS_CLASS]
    return out


_MERGERS: dict[str, Callable[[Manifest, Mapping[str, Any], Manifest], Manifest]] = {
    "httpRoute": _http_route,
    "virtualService": _virtual_service,
    "destinationRule": _destination_rule,
    "primary": _primary_ingress,
}
