"""What the per-kind merges share: the live metadata with ours added, splicing our rendered items
in place of the user's template items, combining match conditions, unions. Pure."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from ai_deploy_ci.plan.compare import BOOKKEEPING_METADATA
from ai_deploy_ci.plan.model import Manifest


def metadata(desired: Manifest, live: Manifest) -> Manifest:
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


def with_rest(body: Manifest, live: Manifest, spec: Manifest) -> Manifest:
    return {
        "apiVersion": body["apiVersion"],
        "kind": body["kind"],
        "metadata": metadata(body, live),
        "spec": spec,
    }


def splice(
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


def combine(
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


def union(live: Sequence[Any], ours: Sequence[Any]) -> list[Any]:
    return [*copy.deepcopy(list(live)), *(x for x in ours if x not in live)]
