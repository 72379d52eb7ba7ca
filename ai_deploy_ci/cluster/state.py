"""The run's state in the cluster: plan, progress and pre-run snapshot, in one ConfigMap.

`<name>-ai-deploy-ci-state` is written before the run's first change and updated after every
step, so whichever process comes next — a re-run after a crashed runner, or `promote` /
`rollback` in a later job — continues from what the cluster says, not from a runner's disk.
It is deleted when the run ends cleanly (promoted or rolled back): nothing is left behind.
Its `deadline` is renewed at every save: a running rollout past it whose lease is not renewed
was abandoned (SIGKILL, a lost runner) and `reconcile` or the next run rolls it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster import snapshot as snap
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan.model import LABEL_MANAGED, LABEL_NAME, MANAGED_BY, ObjectRef, Plan

Phase = Literal["running", "paused", "rolling_back"]


def state_name(model: str) -> str:
    return f"{model}-ai-deploy-ci-state"


@dataclass
class RunState:
    plan: Plan
    snapshot: snap.Snapshot
    spec_key: str  # identifies the deploy.yaml content: a re-run with the same key may resume
    done: int = 0  # steps completed
    phase: Phase = "running"
    started: str = ""
    reason: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)  # StepRecords so far
    resource_version: str | None = None
    deadline: str = ""  # RFC 3339: past it, with no live lease, the run is abandoned (`reconcile`)

    def ref(self) -> ObjectRef:
        return ObjectRef("v1", "ConfigMap", self.plan.namespace, state_name(self.plan.name))

    def manifest(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "name": state_name(self.plan.name),
            "namespace": self.plan.namespace,
            "labels": {LABEL_MANAGED: MANAGED_BY, LABEL_NAME: self.plan.name},
        }
        if self.resource_version:
            meta["resourceVersion"] = self.resource_version
        progress = {
            "done": self.done,
            "phase": self.phase,
            "run_id": self.plan.run_id,
            "spec_key": self.spec_key,
            "started": self.started,
            "reason": self.reason,
            "records": self.records,
            "deadline": self.deadline,
        }
        data = {
            "plan": json.dumps(self.plan.to_json(), separators=(",", ":")),
            "snapshot": json.dumps(snap.to_json(self.snapshot), separators=(",", ":")),
            "progress": json.dumps(progress, separators=(",", ":")),
        }
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def load(kube: Kube, namespace: str, model: str) -> RunState | None:
    obj = kube.get(ObjectRef("v1", "ConfigMap", namespace, state_name(model)))
    if obj is None:
        return None
    data = obj.get("data", {})
    progress = json.loads(data["progress"])
    return RunState(
        plan=Plan.from_json(json.loads(data["plan"])),
        snapshot=snap.from_json(json.loads(data["snapshot"])),
        spec_key=progress["spec_key"],
        done=progress["done"],
        phase=progress["phase"],
        started=progress.get("started", ""),
        reason=progress.get("reason", ""),
        records=list(progress.get("records", [])),
        resource_version=obj["metadata"]["resourceVersion"],
        deadline=str(progress.get("deadline") or ""),
    )


def save(kube: Kube, st: RunState) -> None:
    """Create or update with resourceVersion. Only the lock holder writes, so a 409 means our own
    earlier attempt landed (a timed-out request that committed): re-read and write again."""
    for _ in range(5):
        try:
            out = kube.create(st.manifest()) if st.resource_version is None else kube.replace(st.manifest())
            st.resource_version = out["metadata"]["resourceVersion"]
            return
        except ApiException as exc:
            if exc.status != 409:
                raise
            live = kube.get(st.ref())
            st.resource_version = None if live is None else live["metadata"]["resourceVersion"]
    raise ClusterError(
        f"could not save run state {st.ref()}: it kept changing",
        fix="another process writes the state ConfigMap; is a second run holding the lock?",
    )


def clear(kube: Kube, st: RunState) -> None:
    kube.delete(st.ref())


def deadline_after(seconds: float) -> str:
    """An RFC 3339 time `seconds` from now (UTC), as the run state records its deadline."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def past_deadline(st: RunState, now: datetime | None = None) -> bool:
    """A running (or rolling back) run whose deadline passed without a state save. No deadline
    (a paused rollout waiting for approval, a state written by an older version) is never past."""
    if st.phase == "paused" or not st.deadline:
        return False
    try:
        when = datetime.fromisoformat(st.deadline.replace("Z", "+00:00"))
    except ValueError:
        return True  # unreadable: treat as past (the lease check still protects a live runner)
    return (now or datetime.now(UTC)) > when
