"""Wait for a Deployment the way `kubectl rollout status` does, and explain failures.

kubectl's rule (`polymorphichelpers/rollout_status.go`): the controller must have observed the
latest generation; `Progressing=False/ProgressDeadlineExceeded` is a failure; otherwise it is done
when updated == desired replicas, no old replicas remain, and available == updated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ai_deploy_ci.cluster import diagnose
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan.model import Manifest, ObjectRef


class RolloutFailed(ClusterError):
    """A Deployment did not become ready; the message says why in terms a person can act on."""


@dataclass(frozen=True)
class Status:
    done: bool
    failed: bool
    message: str


def rollout_status(dep: Manifest) -> Status:
    """Pure: kubectl's verdict on one Deployment read."""
    spec, st = dep.get("spec", {}), dep.get("status", {})
    name = dep["metadata"]["name"]
    if dep["metadata"].get("generation", 0) > st.get("observedGeneration", -1):
        return Status(False, False, f"waiting for deployment {name} spec update to be observed")
    for cond in st.get("conditions", []):
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return Status(False, True, f"deployment {name} exceeded its progress deadline")
    want = spec.get("replicas", 1)
    updated = st.get("updatedReplicas", 0)
    if updated < want:
        return Status(False, False, f"{updated} of {want} new replicas updated")
    if st.get("replicas", 0) > updated:
        return Status(False, False, f"{st.get('replicas', 0) - updated} old replicas pending termination")
    if st.get("availableReplicas", 0) < updated:
        return Status(
            False, False, f"{st.get('availableReplicas', 0)} of {updated} updated replicas available"
        )
    return Status(True, False, f"deployment {name} successfully rolled out")


def wait_rollout(kube: Kube, namespace: str, name: str, *, timeout: float, poll: float = 0.2) -> None:
    """Block until rolled out; on deadline or failure, raise RolloutFailed with a diagnosis."""
    ref = ObjectRef("apps/v1", "Deployment", namespace, name)
    end = time.monotonic() + timeout
    status = Status(False, False, "not read yet")
    while time.monotonic() < end:
        dep = kube.get(ref)
        if dep is None:
            raise RolloutFailed(f"deployment {name} disappeared while waiting for it")
        status = rollout_status(dep)
        if status.done:
            return
        if status.failed:
            break
        time.sleep(poll)
    problems = diagnose.deployment(kube, namespace, kube.get(ref) or {})
    detail = "; ".join(problems) if problems else status.message
    raise RolloutFailed(f"deployment {name} is not ready: {detail}", fix=diagnose.fix_for(problems))


def wait_pods_ready(kube: Kube, namespace: str, labels: dict[str, str], count: int, *,
                    timeout: float, poll: float = 0.2) -> None:
    """Block until `count` pods carrying `labels` are Ready (a rolling update's first new pods,
    before it is paused for a side-by-side comparison); RolloutFailed with a diagnosis if not."""
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    end = time.monotonic() + timeout
    ready = 0
    while time.monotonic() < end:
        pods = kube.raw("list pods", kube.core().list_namespaced_pod, namespace, label_selector=selector)
        ready = sum(1 for p in pods.get("items", []) if _pod_ready(p))
        if ready >= count:
            return
        time.sleep(poll)
    problems = diagnose.deployment(kube, namespace, {"spec": {"selector": {"matchLabels": labels}}})
    detail = "; ".join(problems) if problems else f"only {ready} of {count} became ready in time"
    raise RolloutFailed(f"new pods ({selector}) are not ready: {detail}",
                        fix=diagnose.fix_for(problems) if problems else
                        f"see the pods' events: `kubectl describe pods -l {selector}`")


def _pod_ready(pod: dict[str, Any]) -> bool:
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
