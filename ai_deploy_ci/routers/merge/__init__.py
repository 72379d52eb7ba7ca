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

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.model import Manifest, ObjectRef
from ai_deploy_ci.plan.objects import set_directive, without_annotation
from ai_deploy_ci.routers.merge.gateway import gateway_ref_is, gateway_rule_is_ours, http_route
from ai_deploy_ci.routers.merge.istio import (
    destination_rule,
    istio_dest_is,
    istio_host_is,
    istio_route_is_ours,
    istio_route_is_template,
    virtual_service,
)
from ai_deploy_ci.routers.merge.nginx import canary_ingress, primary_ingress

__all__ = [
    "DIRECTIVE", "directive", "gateway_ref_is", "gateway_rule_is_ours", "istio_dest_is", "istio_host_is",
    "istio_route_is_ours", "istio_route_is_template", "mark", "merge", "related",
]

DIRECTIVE = "ai-deploy-ci.io/merge"


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
        return canary_ingress(body, how, other)
    if live is None:
        return body
    return _MERGERS[how["role"]](body, how, live)


_MERGERS: dict[str, Callable[[Manifest, Mapping[str, Any], Manifest], Manifest]] = {
    "httpRoute": http_route,
    "virtualService": virtual_service,
    "destinationRule": destination_rule,
    "primary": primary_ingress,
}
