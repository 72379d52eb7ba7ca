"""Job controller: run pods up to parallelism until `completions` succeed, or fail after
`backoffLimit` failed pods (condition Failed, reason BackoffLimitExceeded)."""

from __future__ import annotations

import contextlib
import copy
import random
from typing import Any

from .. import mutations
from ..errors import ApiError
from ..store import Obj
from .base import Controller, controlled_by, owner_ref, set_condition
from .events import Recorder

_CHARS = "bcdfghjklmnpqrstvwxz2456789"


class JobController(Controller):
    def __init__(self, api: Any, recorder: Recorder) -> None:
        super().__init__(api)
        self.events = recorder
        self.job_rt = self.rt("batch", "v1", "jobs")
        self.pod_rt = self.rt("", "v1", "pods")
        self._rng = random.Random()

    def sync(self, now: float) -> float | None:
        pods = self.api.store.list(self.pod_rt.key)
        for job in self.api.store.list(self.job_rt.key):
            job = self.api.render(self.job_rt, job)
            if job["metadata"].get("deletionTimestamp"):
                continue
            self._sync_one(job, [p for p in pods if controlled_by(p, job["metadata"]["uid"])])
        return None

    def _sync_one(self, job: Obj, pods: list[Obj]) -> None:
        spec, status = job["spec"], copy.deepcopy(job.get("status") or {})
        if any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in status.get("conditions") or []
        ):
            return
        stamp = self.api.clock.stamp()
        status.setdefault("startTime", stamp)
        phases = [p.get("status", {}).get("phase") for p in pods]
        succeeded, failed = phases.count("Succeeded"), phases.count("Failed")
        active = [
            p
            for p in pods
            if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        completions, parallelism = int(spec.get("completions", 1)), int(spec.get("parallelism", 1))
        conds = status.get("conditions") or []
        if succeeded >= completions:
            for t, reason, msg in (
                ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                ("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
            ):
                conds = set_condition(
                    conds,
                    {"type": t, "status": "True", "reason": reason, "message": msg, "lastProbeTime": stamp},
                    stamp,
                )
            status["completionTime"] = stamp
            self.events.event(job, "Normal", "Completed", "Job completed", "job-controller")
        elif failed > int(spec.get("backoffLimit", 6)):
            for t in ("FailureTarget", "Failed"):
                conds = set_condition(
                    conds,
                    {
                        "type": t,
                        "status": "True",
                        "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit",
                        "lastProbeTime": stamp,
                    },
                    stamp,
                )
            for p in active:
                with contextlib.suppress(ApiError):
                    mutations.delete(
                        self.api, self.pod_rt, p["metadata"]["namespace"], p["metadata"]["name"], {}
                    )
            active = []
            self.events.event(
                job,
                "Warning",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                "job-controller",
            )
        elif not spec.get("suspend"):
            for _ in range(min(parallelism, completions - succeeded) - len(active)):
                self._create_pod(job)
        status.update(
            {
                "active": len(active),
                "succeeded": succeeded,
                "failed": failed,
                "ready": sum(
                    1
                    for p in active
                    if any(
                        c.get("type") == "Ready" and c.get("status") == "True"
                        for c in p.get("status", {}).get("conditions") or []
                    )
                ),
            }
        )
        status = {k: v for k, v in status.items() if v or k == "ready"}
        if conds:
            status["conditions"] = conds
        self.write_status(self.job_rt, job, status)

    def _create_pod(self, job: Obj) -> None:
        tmpl = copy.deepcopy(job["spec"]["template"])
        name = f"{job['metadata']['name']}-{''.join(self._rng.choice(_CHARS) for _ in range(5))}"
        meta = tmpl.get("metadata") or {}
        body = {
            "metadata": {
                "name": name,
                "namespace": job["metadata"]["namespace"],
                "labels": meta.get("labels") or {},
                "ownerReferences": [owner_ref(job)],
            },
            "spec": tmpl["spec"],
        }
        try:
            self.api.create(self.pod_rt, job["metadata"]["namespace"], body, internal=True)
            self.events.event(job, "Normal", "SuccessfulCreate", f"Created pod: {name}", "job-controller")
        except ApiError:
            pass
