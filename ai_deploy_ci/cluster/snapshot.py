"""The pre-run snapshot: every object a run may touch, as it was (or None: it did not exist).

Captured before the first write and stored with the run's state, so a rollback — in this
process, after a crash, or from `ai-deploy-ci rollback` in another job — knows exactly what to
return to. Comparison ignores bookkeeping (`ai_deploy_ci.plan.compare.normalize`) and, for a
Deployment an HPA sizes, a replica count within the HPA's bounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.plan.compare import diff_paths, normalize
from ai_deploy_ci.plan.model import Manifest, ObjectRef

Snapshot = dict[ObjectRef, Manifest | None]


def capture(kube: Kube, refs: Iterable[ObjectRef]) -> Snapshot:
    return {ref: (normalize(obj) if (obj := kube.get(ref)) is not None else None) for ref in refs}


def live(kube: Kube, refs: Iterable[ObjectRef]) -> dict[ObjectRef, Manifest]:
    return {ref: obj for ref in refs if (obj := kube.get(ref)) is not None}


def compare(
    snapshot: Mapping[ObjectRef, Manifest | None],
    current: Mapping[ObjectRef, Manifest | None],
    sized: Mapping[ObjectRef, tuple[int, int]] | None = None,
) -> list[str]:
    """Differences between the snapshot and the cluster now, one line each (empty: restored).
    `sized`: Deployments an HPA sizes (`autoscaling.sized`), whose count within bounds is the HPA's."""
    out = []
    sized = sized or {}
    for ref, before in sorted(snapshot.items()):
        now = current.get(ref)
        if before is None and now is None:
            continue
        if before is None:
            out.append(f"{ref}: exists but did not before the run")
        elif now is None:
            out.append(f"{ref}: missing, existed before the run")
        else:
            before, now = normalize(before), normalize(now)
            if ref in sized and _within(now, sized[ref]):  # the HPA's count, not ours to restore
                before["spec"].pop("replicas", None)
                now["spec"].pop("replicas", None)
            paths = diff_paths(before, now)
            if paths:
                out.append(f"{ref}: differs at {', '.join(paths[:5])}")
    return out


def _within(deployment: Manifest, bounds: tuple[int, int]) -> bool:
    replicas = deployment.get("spec", {}).get("replicas", 1)
    return bounds[0] <= int(replicas) <= bounds[1]


def to_json(snapshot: Snapshot) -> list[dict[str, Any]]:
    return [{"ref": ref.__dict__, "object": obj} for ref, obj in sorted(snapshot.items())]


def from_json(data: list[dict[str, Any]]) -> Snapshot:
    return {ObjectRef(**item["ref"]): item["object"] for item in data}
