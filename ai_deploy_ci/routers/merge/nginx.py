"""ingress-nginx: a primary Ingress someone else wrote is left as it is; the canary Ingress is ours
but copies the primary's host/path rules to the model's Service (see `routers.merge`). Pure."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from ai_deploy_ci.plan.model import LABEL_MANAGED, LABEL_NAME, MANAGED_BY, Manifest

LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class"


def _is_ours(desired: Manifest, live: Manifest) -> bool:
    labels = live.get("metadata", {}).get("labels") or {}
    return labels.get(LABEL_MANAGED) == MANAGED_BY and labels.get(LABEL_NAME) == (
        desired["metadata"].get("labels") or {}
    ).get(LABEL_NAME)


def primary_ingress(body: Manifest, how: Mapping[str, Any], live: Manifest) -> Manifest:
    """A primary Ingress someone else wrote is theirs: left exactly as it is."""
    return body if _is_ours(body, live) else copy.deepcopy(live)


def canary_ingress(body: Manifest, how: Mapping[str, Any], primary: Manifest | None) -> Manifest:
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
