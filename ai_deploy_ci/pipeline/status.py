"""What a model's rollout looks like right now, read from the cluster only: for `status` (people),
`reconcile` (abandoned rollouts) and the next run.

"Abandoned" needs two independent signs that the runner is gone: the run state's deadline has
passed (it is renewed at every step, `cluster/state.py`) *and* the per-model Lease is absent or
expired (it is renewed every few seconds by a live runner, `cluster/lock.py`). A paused rollout
waits for its approver and is never abandoned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ai_deploy_ci.cluster import snapshot
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.lock import lease_expired, lease_name
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.routers import router_for
from ai_deploy_ci.spec.model import Spec


@dataclass
class Status:
    model: str
    namespace: str
    stable_version: str | None  # None: no stable Deployment (never deployed)
    stable_image: str | None
    candidate_version: str | None  # None: no candidate Deployment
    candidate_weight: int | None  # the live route's candidate share (None: no route to read)
    mirror_percent: float | None
    phase: str  # idle, running, paused, rolling_back
    run_id: str | None
    step: str | None  # "3/5: description of the next step"
    since: str | None  # the run's start
    deadline: str | None
    reason: str | None
    lock_holder: str | None
    lock_renewed: str | None
    lock_live: bool
    last_verdict: str | None
    abandoned: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_status(kube: Kube, spec: Spec) -> tuple[Status, states.RunState | None]:
    ns, name = spec.metadata.namespace, spec.metadata.name
    st = states.load(kube, ns, name)
    stable = kube.get(ObjectRef("apps/v1", "Deployment", ns, name))
    candidate = kube.get(ObjectRef("apps/v1", "Deployment", ns, f"{name}-candidate"))
    lease = kube.get(ObjectRef("coordination.k8s.io/v1", "Lease", ns, lease_name(name)))
    lease_spec = (lease or {}).get("spec", {})
    router = router_for(spec, ObservedState(run=RunInfo("status"), stable=stable))
    route = router.get_routes(snapshot.live(kube, router.owned()))
    verdicts = [str(r["verdict"]) for r in (st.records if st else []) if r.get("verdict")]
    lock_live = lease is not None and bool(lease_spec.get("holderIdentity")) and not lease_expired(lease_spec)
    step = None
    if st is not None and st.done < len(st.plan.steps):
        step = f"{st.done + 1}/{len(st.plan.steps)}: {st.plan.steps[st.done].description}"
    status = Status(
        model=name, namespace=ns,
        stable_version=_version(stable), stable_image=_image(stable),
        candidate_version=_version(candidate),
        candidate_weight=None if route is None else route.candidate_weight,
        mirror_percent=None if route is None else route.mirror_percent,
        phase=st.phase if st else "idle", run_id=st.plan.run_id if st else None, step=step,
        since=st.started if st else None, deadline=(st.deadline or None) if st else None,
        reason=(st.reason or None) if st else None,
        lock_holder=lease_spec.get("holderIdentity"), lock_renewed=lease_spec.get("renewTime"),
        lock_live=lock_live, last_verdict=verdicts[-1] if verdicts else None,
        abandoned=st is not None and not lock_live and states.past_deadline(st),
    )
    return status, st


def _version(dep: dict[str, Any] | None) -> str | None:
    if dep is None:
        return None
    labels = dep.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    return str(labels.get("version") or dep.get("metadata", {}).get("labels", {}).get("version") or "?")


def _image(dep: dict[str, Any] | None) -> str | None:
    containers = (dep or {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []
    return str(containers[0].get("image")) if containers else None
