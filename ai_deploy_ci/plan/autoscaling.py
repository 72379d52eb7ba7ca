"""HorizontalPodAutoscaler interplay, pure: what a run does with an HPA that scales stable.

Flagger and Argo Rollouts users expect two things, and this module renders both:

- **the candidate gets the bounds it needs**: strategies that run a candidate Deployment beside
  stable (canary, abTest, shadow, blueGreen) create HPA `<name>-candidate`, a copy of the stable
  HPA's metrics and behavior aimed at the candidate. Canary / abTest / shadow: minReplicas = the
  candidate's planned pods at the current step (raised with each setWeight), maxReplicas =
  stable's max. blueGreen: stable's bounds, with minReplicas at least green's planned size (up to
  stable's max) — before the switch green gets only the analysis load, and an HPA with stable's
  min would scale it below what it needs the moment it takes all of blue's traffic.
  It is deleted at finalize (after promotion) and by rollback (the run created it).
- **stable's HPA does not fight the weights**: with the `replicas` router a canary's weight *is*
  the ratio of pod counts, and any HPA scaling either Deployment moves it. The stable HPA is
  pinned (minReplicas = maxReplicas = the planned stable count) by each setWeight, in the same
  step and after the write that scales stable, and the pre-run original is written back at
  promotion (before stable takes the new template) and by rollback (from the snapshot: the HPA
  is in the plan's `touches`). The candidate's HPA is pinned the same way. An HPA cannot have 0
  replicas as bounds, so a count of 0 pins to 1: the HPA controller leaves a target scaled to 0
  alone ("scaling is disabled since the replica count of the target is zero").

- **stable keeps the HPA's size**: the HPA, not `server.replicas`, owns stable's replica count.
  Every count a run plans starts from what the HPA chose (the live spec.replicas within its
  bounds): the canary split, green's and the candidate's size, the GPU preflight's peak. The
  promoted stable keeps max(that, the candidate's planned pods) within the HPA's bounds, so
  promotion never scales a loaded model server down (`ai_deploy_ci.plan.replicas.promoted`).

Rolling and recreate update stable in place at the HPA's count: the HPA keeps scaling it.

- **the HPA's count is read when the write happens, too**: the plan's counts are from plan time,
  and the HPA may scale stable up during the run. A stable Deployment written at "the HPA's
  count" carries the directive annotation `ANN_SCALED` (the HPA's bounds); the executor consumes
  it (`keep_scale`, called by `ai_deploy_ci.cluster.apply`), writing never fewer replicas than
  stable has live, within the bounds (`ai_deploy_ci.plan.replicas.at_write`). It is never
  written to the cluster. Writes that scale stable down on purpose (the `replicas` router's
  split, HPA pinned) are not marked.
"""

from __future__ import annotations

import copy
import json

from ai_deploy_ci.plan import replicas as counts
from ai_deploy_ci.plan.model import Manifest, ObjectRef, Plan
from ai_deploy_ci.plan.objects import directive, set_directive, without_annotation

API_VERSION = "autoscaling/v2"
KIND = "HorizontalPodAutoscaler"
ANN_ORIGINAL = "ai-deploy-ci.io/hpa-original-bounds"  # on a pinned HPA: what rollback restores
ANN_SCALED = "ai-deploy-ci.io/hpa-scaled"  # directive on a Deployment the HPA sizes: its bounds


def bounds(hpa: Manifest) -> tuple[int, int]:
    """(minReplicas, maxReplicas); minReplicas defaults to 1 as on the API server."""
    spec = hpa.get("spec", {})
    return int(spec.get("minReplicas") or 1), int(spec["maxReplicas"])


def targets(hpa: Manifest, deployment: str) -> bool:
    """True when the HPA scales the Deployment `deployment` (apps/v1)."""
    target = hpa.get("spec", {}).get("scaleTargetRef", {})
    api = str(target.get("apiVersion", "apps/v1"))
    return target.get("kind") == "Deployment" and target.get("name") == deployment and api.startswith("apps/")


def find(items: list[Manifest], deployment: str) -> Manifest | None:
    """The HPA scaling `deployment`, first by name when several do (the HPA controller then
    refuses to act on all of them, AmbiguousSelector; we follow the first deterministically)."""
    hits = sorted((h for h in items if targets(h, deployment)), key=lambda h: h["metadata"]["name"])
    return hits[0] if hits else None


def original(hpa: Manifest) -> Manifest:
    """The observed HPA as a client writes it back: no status, no server-set metadata."""
    out = copy.deepcopy(hpa)
    out.pop("status", None)
    out["apiVersion"], out["kind"] = API_VERSION, KIND
    meta = out.setdefault("metadata", {})
    for key in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink"):
        meta.pop(key, None)
    return out


def for_candidate(
    stable_hpa: Manifest,
    *,
    name: str,
    target: str,
    min_replicas: int,
    max_replicas: int,
    labels: dict[str, str],
    annotations: dict[str, str],
) -> Manifest:
    """A copy of the stable HPA's spec (metrics, behavior) scaling the candidate Deployment."""
    spec = copy.deepcopy(stable_hpa.get("spec", {}))
    spec["scaleTargetRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}
    spec["minReplicas"] = max(1, min_replicas)
    spec["maxReplicas"] = max(spec["minReplicas"], max_replicas)
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": stable_hpa["metadata"].get("namespace", "default"),
            "labels": dict(labels),
            "annotations": dict(annotations),
        },
        "spec": spec,
    }


def pinned(stable_hpa: Manifest, replicas: int, annotations: dict[str, str]) -> Manifest:
    """The stable HPA with minReplicas = maxReplicas = `replicas` (at least 1; see module doc)."""
    out = original(stable_hpa)
    lo, hi = bounds(stable_hpa)
    count = max(1, replicas)
    out["spec"]["minReplicas"] = out["spec"]["maxReplicas"] = count
    ann = out["metadata"].setdefault("annotations", {})
    ann.update(annotations)
    ann[ANN_ORIGINAL] = json.dumps({"minReplicas": lo, "maxReplicas": hi}, separators=(",", ":"))
    return out


def candidate_bounds(stable_hpa: Manifest, pods: int, *, role: str) -> tuple[int, int]:
    """(min, max) for the candidate's HPA by its role: "canary" (its planned pods up to stable's
    max), "full" (blue/green: stable's bounds, min at least the planned size), "pinned"."""
    lo, hi = bounds(stable_hpa)
    if role == "pinned":
        return max(1, pods), max(1, pods)
    if role == "full":
        return min(max(pods, lo), hi), hi
    return max(1, pods), max(hi, pods)


def mark_scaled(deployment: Manifest, hpa_bounds: tuple[int, int]) -> Manifest:
    """Tag a planned Deployment as sized by an HPA with these bounds (returns `deployment`)."""
    lo, hi = hpa_bounds
    return set_directive(deployment, ANN_SCALED, {"minReplicas": lo, "maxReplicas": hi})


def keep_scale(desired: Manifest, live: Manifest | None) -> Manifest:
    """The object to write for `desired` given the live one: without `ANN_SCALED`, and when it
    was marked, spec.replicas no lower than live's within the HPA's bounds. Pure: no I/O."""
    hpa = directive(desired, ANN_SCALED)
    if hpa is None:
        return desired
    out = without_annotation(desired, ANN_SCALED)
    current = None
    if live is not None:
        value = live.get("spec", {}).get("replicas")
        current = 1 if value is None else int(value)  # the API server's default
    planned = int(out["spec"].get("replicas", 1))
    out["spec"]["replicas"] = counts.at_write(planned, current, (hpa["minReplicas"], hpa["maxReplicas"]))
    return out


def sized(plan: Plan) -> dict[ObjectRef, tuple[int, int]]:
    """Deployments an HPA sizes, with its bounds: their replica count is the HPA's to choose, so a
    rollback restores their template, not their pre-run count."""
    if plan.stable_hpa is None:
        return {}
    return {ObjectRef("apps/v1", "Deployment", plan.namespace, plan.name): plan.stable_hpa}
