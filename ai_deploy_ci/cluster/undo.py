"""Execute a rollback: the pure rollback plan (`ai_deploy_ci.plan.rollback`) against the cluster.

Records what was written, how long until no traffic reached the candidate and how many API
writes that took (for rollout.json and `bench/rollback`), and whether the cluster now equals
the pre-run snapshot. The run state is marked `rolling_back` first, so a crash here is finished
by the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ai_deploy_ci.cluster import snapshot
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.execute import run_step
from ai_deploy_ci.plan import autoscaling, records
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.rollback import plan_rollback


def roll_back(
    kube: Kube,
    st: states.RunState,
    reason: str,
    *,
    wait_timeout: float,
    poll: float,
    on_event: Callable[[str], None],
) -> records.RollbackRecord:
    started, first_write = time.monotonic(), len(kube.writes)  # the verdict (or failure) is in
    st.phase, st.reason = "rolling_back", reason
    states.save(kube, st)
    steps = plan_rollback(st.plan, st.snapshot, snapshot.live(kube, st.plan.touches))
    actions: list[str] = []
    no_traffic, writes_to_no_traffic = 0.0, 0
    # With a candidate Deployment, traffic is off it after the first step; when the run updated stable
    # in place (rolling, recreate), only once stable's old template is rolled out again (second step).
    candidate = ObjectRef("apps/v1", "Deployment", st.plan.namespace, f"{st.plan.name}-candidate")
    traffic_step = 0 if candidate in st.plan.touches else 1
    for i, step in enumerate(steps):
        on_event(f"rollback: {step.description}")
        actions += run_step(kube, st.plan.namespace, step, wait_timeout=wait_timeout, poll=poll)
        if i == traffic_step:
            no_traffic = time.monotonic() - started
            writes_to_no_traffic = len(kube.writes) - first_write
    current = snapshot.live(kube, st.plan.touches)
    current_objects = {r: current.get(r) for r in st.snapshot}
    diffs = snapshot.compare(st.snapshot, current_objects, autoscaling.sized(st.plan))
    for d in diffs:
        on_event(f"rollback: not restored: {d}")
    return records.rollback(reason, actions, no_traffic, restored=not diffs, writes=writes_to_no_traffic)
