"""Object comparison without bookkeeping: "would writing this change anything?" and "is it restored?".

Two questions, two functions. `same(desired, live)` asks whether every field we would write is
already there (the server adds defaults we never wrote, so this is a subset test); the executor
skips such writes, which makes re-runs cheap and keeps the API-write count honest.
`normalize(obj)` drops what the server maintains (resourceVersion, uid, status, revision
annotations, allocated cluster IPs) so a restored object can be compared to its snapshot.
"""

from __future__ import annotations

import copy
from typing import Any

from ai_deploy_ci.plan.model import Manifest
from ai_deploy_ci.spec import quantity as quantities

BOOKKEEPING_METADATA = (
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
# `kubectl.kubernetes.io/last-applied-configuration` is not bookkeeping: it is the user's record
# of what they applied, and a snapshot that dropped it made a rollback lose it (issue #12).
BOOKKEEPING_ANNOTATIONS = ("deployment.kubernetes.io/revision",)
# Server-allocated Service fields: a Service re-created after a crash gets a new address.
SERVICE_ALLOCATED = (
    "clusterIP",
    "clusterIPs",
    "ipFamilies",
    "ipFamilyPolicy",
    "internalTrafficPolicy",
    "sessionAffinity",
    "type",
)


def normalize(obj: Manifest) -> Manifest:
    """A copy without status and server bookkeeping."""
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata", {})
    for key in BOOKKEEPING_METADATA:
        meta.pop(key, None)
    ann = meta.get("annotations")
    if ann is not None:
        for key in BOOKKEEPING_ANNOTATIONS:
            ann.pop(key, None)
        if not ann:
            meta.pop("annotations")
    if out.get("kind") == "Service":
        for key in SERVICE_ALLOCATED:
            out.get("spec", {}).pop(key, None)
    template_meta = out.get("spec", {}).get("template", {}).get("metadata")
    if isinstance(template_meta, dict):
        template_meta.pop("creationTimestamp", None)
    return out


# Maps whose values are resource.Quantity (a real server stores them canonically: "0.5" → "500m",
# "1024Mi" → "1Gi"), and single Quantity fields; compared by value, never as text.
QUANTITY_MAPS = ("requests", "limits", "overhead")
QUANTITY_FIELDS = ("sizeLimit", "averageValue")


# Maps whose every key is ours: a key we no longer write must go. A Service that selected
# `track: stable` and should now select both tracks (the `replicas` router's weights) differs from
# `{app: x}` by a key *removed*, which a subset test calls "unchanged" — so no user ever reached the
# candidate. Kubernetes never defaults keys into these maps, so exact comparison is safe.
EXACT_MAPS = frozenset({"selector", "matchLabels"})


# A restore must also take away labels and annotations the run added (a rollback that left
# `track: stable` on a user's pod template was "the same" as the snapshot by a subset test).
RESTORE_MAPS = EXACT_MAPS | {"labels", "annotations"}


def same(desired: Any, live: Any, key: str | None = None, exact: frozenset[str] = EXACT_MAPS, *,
         quantity: bool = False) -> bool:
    """True when every field of `desired` holds the same value in `live` (defaults ignored);
    maps named in `exact` (selectors; for a restore also labels and annotations) must hold
    exactly the same keys (server bookkeeping annotations aside).

    Quantities compare by value (`"0.5"` equals the `"500m"` a real API server gives back), or a
    run against a real cluster would see every Deployment as changed and rewrite it each time."""
    if quantity and not isinstance(desired, dict | list):
        return quantities.equal(desired, live) or desired == live
    if isinstance(desired, dict):
        extra = set(live) - set(desired) - set(BOOKKEEPING_ANNOTATIONS) if isinstance(live, dict) else set()
        if key in exact and extra:
            return False
        return isinstance(live, dict) and all(
            k in ("resourceVersion",)
            or same(v, live.get(k), k, exact, quantity=quantity or k in QUANTITY_FIELDS or k in QUANTITY_MAPS)
            for k, v in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(same(d, v, None, exact, quantity=quantity) for d, v in zip(desired, live, strict=True))
        )
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live
    if isinstance(desired, int | float) and isinstance(live, int | float):
        return float(desired) == float(live)
    return bool(desired == live)


def diff_paths(a: Any, b: Any, path: str = "") -> list[str]:
    """Dotted paths where two normalized objects differ, for readable test failures."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out += diff_paths(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in diff_paths(x, y, f"{path}[{i}]")
        ]
    return [] if same(a, b) and same(b, a) else [path or "."]
