"""One run per model and namespace: a `coordination.k8s.io/v1` Lease, holder = run id.

Taken when absent, renewed by a background thread every third of its duration, taken over only
once expired (renewTime + leaseDurationSeconds in the past) *and* seen unchanged for longer than
the holder's renewal period as timed by our own monotonic clock: renewTime is written by the
holder's clock, and a runner whose clock is a minute off must not steal a live lease (client-go's
leader election trusts only its own observation time for the same reason). A holder with our own run id is
ours: a re-run of the same workflow run (a crashed runner) resumes at once instead of waiting
for expiry. Every change uses the Lease's resourceVersion, so two runs racing for an expired
lease cannot both win: the loser's write fails with 409 and it reads the winner's name.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError, LockHeld
from ai_deploy_ci.plan.model import LABEL_MANAGED, LABEL_NAME, MANAGED_BY, Manifest, ObjectRef


def lease_name(model: str) -> str:
    return f"{model}-ai-deploy-ci"


class Lock:
    def __init__(self, kube: Kube, namespace: str, model: str, holder: str, duration: int = 30):
        self.kube, self.holder, self.duration = kube, holder, duration
        self.ref = ObjectRef("coordination.k8s.io/v1", "Lease", namespace, lease_name(model))
        self.model = model
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    def acquire(self) -> None:
        for _ in range(5):
            live = self.kube.get(self.ref)
            try:
                if live is None:
                    self.kube.create(self._body(None, transitions=0))
                    return
                spec = live.get("spec", {})
                current = spec.get("holderIdentity")
                if current and current != self.holder:
                    if not _expired(spec):
                        raise self._held(spec, "")
                    again = self._watch(live)
                    if again is None:
                        continue  # released meanwhile: take it
                    if again["metadata"]["resourceVersion"] != live["metadata"]["resourceVersion"]:
                        raise self._held(
                            spec,
                            "; its renewTime looks expired to this runner's clock, but it "
                            "is still being renewed: check the clocks",
                        )
                moved = 0 if current == self.holder else 1
                self.kube.replace(self._body(live, transitions=spec.get("leaseTransitions", 0) + moved))
                return
            except ApiException as exc:
                if exc.status != 409:
                    raise
        raise ClusterError(f"could not take lease {self.ref.name}: it kept changing")

    def _held(self, spec: Manifest, note: str) -> LockHeld:
        holder = spec.get("holderIdentity")
        return LockHeld(
            f"run {holder} is deploying {self.model} in {self.ref.namespace} "
            f"(lease {self.ref.name}, renewed {spec.get('renewTime', '?')}{note})",
            fix="wait for that run to finish, or cancel it; its lease expires "
            f"{spec.get('leaseDurationSeconds', self.duration)}s after its last renewal",
        )

    def _watch(self, live: Manifest) -> Manifest | None:
        """The lease again after one renewal period of its holder (a third of its duration, plus
        slack): a live holder writes in that time, whatever its clock says."""
        period = int(live.get("spec", {}).get("leaseDurationSeconds") or self.duration) / 3
        time.sleep(period + min(2.0, period))
        return self.kube.get(self.ref)

    def start(self) -> Lock:
        """Acquire and keep renewing in a daemon thread until `release`."""
        self.acquire()
        self._thread = threading.Thread(target=self._renew, name="lease-renewal", daemon=True)
        self._thread.start()
        return self

    def _renew(self) -> None:
        while not self._stop.wait(self.duration / 3):
            try:
                live = self.kube.get(self.ref)
                if live is None or live.get("spec", {}).get("holderIdentity") != self.holder:
                    self.lost.set()
                    return
                self.kube.replace(self._body(live, transitions=live["spec"].get("leaseTransitions", 0)))
            except Exception:  # a missed renewal is retried next period
                continue

    def release(self) -> None:
        """Stop renewing and delete the Lease if it is still ours (nothing left behind)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            live = self.kube.get(self.ref)
            if live is not None and live.get("spec", {}).get("holderIdentity") == self.holder:
                self.kube.delete(self.ref)
        except (ApiException, ClusterError):
            pass  # it expires on its own

    def _body(self, live: Manifest | None, transitions: int) -> Manifest:
        now = _stamp(datetime.now(UTC))
        meta: Manifest = {
            "name": self.ref.name,
            "namespace": self.ref.namespace,
            "labels": {LABEL_MANAGED: MANAGED_BY, LABEL_NAME: self.model},
        }
        spec: Manifest = {
            "holderIdentity": self.holder,
            "leaseDurationSeconds": self.duration,
            "renewTime": now,
            "leaseTransitions": transitions,
        }
        if live is not None:
            meta["resourceVersion"] = live["metadata"]["resourceVersion"]
            same_holder = live.get("spec", {}).get("holderIdentity") == self.holder
            spec["acquireTime"] = live["spec"].get("acquireTime", now) if same_holder else now
        else:
            spec["acquireTime"] = now
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": spec}


def lease_expired(spec: Manifest) -> bool:
    """renewTime + leaseDurationSeconds in the past, by this runner's clock (`status`, `reconcile`)."""
    return _expired(spec)


def _expired(spec: Manifest) -> bool:
    renew = spec.get("renewTime") or spec.get("acquireTime")
    if not renew:
        return True
    when = datetime.fromisoformat(str(renew).replace("Z", "+00:00"))
    return when + timedelta(seconds=int(spec.get("leaseDurationSeconds") or 0)) < datetime.now(UTC)


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
