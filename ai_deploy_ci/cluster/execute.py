"""Run one Step against the cluster: apply → wait → route → delete. Pauses and gates are the
pipeline's business; this module only writes and waits, so rollback steps reuse it unchanged.
"""

from __future__ import annotations

from ai_deploy_ci.cluster import apply as writes
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.wait import wait_pods_ready, wait_rollout
from ai_deploy_ci.plan.model import ObjectRef, Step


def run_step(kube: Kube, namespace: str, step: Step, *, wait_timeout: float, poll: float = 0.1) -> list[str]:
    """Converge the step's objects; return what was written ("created Deployment/x", ...)."""
    done: list[str] = []
    restore = step.kind == "restore"  # a rollback: restored objects must match the snapshot exactly
    for obj in step.apply:
        _note(done, writes.apply(kube, obj, restore=restore), ObjectRef.of(obj))
    for name in step.wait_for:
        wait_rollout(kube, namespace, name, timeout=wait_timeout, poll=poll)
    if step.wait_ready is not None:
        wait_pods_ready(kube, namespace, *step.wait_ready, timeout=wait_timeout, poll=poll)
    for obj in step.route_objects:
        _note(done, writes.apply(kube, obj, restore=restore), ObjectRef.of(obj))
    for ref in step.delete:
        _note(done, writes.delete(kube, ref), ref)
    return done


def _note(done: list[str], outcome: str, ref: ObjectRef) -> None:
    if outcome not in ("unchanged", "absent"):
        done.append(f"{outcome} {ref}")
