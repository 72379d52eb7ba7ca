"""Promotion keeps the size an HPA chose (local API server; no HPA controller runs there, so the
test plays the HPA: it scales stable to 6 before the run, as an HPA with min 2 / max 10 would
under load). A canary with a weighted router then runs to promotion while a watcher reads the
stable Deployment: its ready pods never drop below 6, and it ends at 6 — not server.replicas (2).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.wait import wait_rollout
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.compare import diff_paths
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Analysis, CanaryStep
from ai_deploy_ci.testing.apiserver import ApiServerHandle
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import make_kube, objects_in
from tests.integration.engine.scenarios import baseline
from tests.unit.engine.specs import stable_hpa

HPA_SIZE = 6  # what "the HPA" scaled stable to; server.replicas is 2


class Watcher:
    """Polls the stable Deployment in its own client until stopped; keeps the lowest ready count
    and the lowest spec.replicas (a drop in the spec shows even if a poll misses the ready dip)."""

    def __init__(self, kube: Kube, ref: ObjectRef) -> None:
        self.kube, self.ref = kube, ref
        self.lowest: int | None = None
        self.lowest_spec: int | None = None
        self.reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            dep = self.kube.get(self.ref) or {}
            ready = int(dep.get("status", {}).get("readyReplicas") or 0)
            want = int(dep.get("spec", {}).get("replicas") or 0)
            self.lowest = ready if self.lowest is None else min(self.lowest, ready)
            self.lowest_spec = want if self.lowest_spec is None else min(self.lowest_spec, want)
            self.reads += 1
            time.sleep(0.02)


def test_canary_promotion_keeps_the_hpa_scaled_stable_size(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    spec, _ = baseline(kube, namespace, options, "canary", "gatewayAPI", canary_steps=steps)
    assert spec.server.replicas == 2
    kube.create(stable_hpa(spec, 2, 10))
    ref = ObjectRef("apps/v1", "Deployment", namespace, "sentiment")
    live = kube.get(ref)
    assert live is not None
    live["spec"]["replicas"] = HPA_SIZE  # the HPA's scale-up
    kube.replace(live)
    wait_rollout(kube, namespace, "sentiment", timeout=20, poll=0.03)
    before = objects_in(kube, namespace)

    seen: list[dict[str, Any]] = []

    def gate(request: GateRequest) -> Verdict:
        cand = kube.get(ObjectRef("apps/v1", "Deployment", namespace, "sentiment-candidate")) or {}
        seen.append({"weight": request.weight, "candidate": cand.get("spec", {}).get("replicas")})
        return Verdict.PASS

    with Watcher(make_kube(engine_cluster), ref) as watcher:
        result = deploy(spec, kube, RunInfo("run-hpa"), gate, options)
    assert result.record["outcome"] == "promoted"
    assert seen == [{"weight": 50, "candidate": 3}]  # ⌈6·50/100⌉: sized from the HPA's 6, not 2
    assert watcher.reads > 0 and watcher.lowest is not None, "the watcher never read stable"
    assert watcher.lowest_spec == HPA_SIZE, f"stable was scaled to {watcher.lowest_spec} during the run"
    assert watcher.lowest >= HPA_SIZE, f"stable dropped to {watcher.lowest} ready pods during the run"

    after = objects_in(kube, namespace)
    stable = after["Deployment/sentiment"]
    assert stable["spec"]["template"]["metadata"]["labels"]["version"] == "2.0.0"
    assert stable["spec"]["replicas"] == HPA_SIZE  # not server.replicas
    live_after = kube.get(ref)
    assert live_after is not None and live_after["status"]["readyReplicas"] == HPA_SIZE
    key = "HorizontalPodAutoscaler/sentiment-hpa"
    assert diff_paths(before[key], after[key]) == [], "the stable HPA changed"
    assert "sentiment-candidate" not in str(sorted(after)), "the candidate (or its HPA) was left behind"
    assert any(f"keeps the HPA's count ({HPA_SIZE} replicas" in w for w in result.warnings), result.warnings


def test_replicas_router_splits_the_hpa_count_and_promotion_restores_it(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    """With the `replicas` router the weight is the pod ratio, so stable shrinks by design: 50 % of
    the HPA's 6 is 3 candidate / 3 stable pods (not 1 / 1 of server.replicas), and promotion brings
    stable back to 6 with the HPA's own bounds restored."""
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    spec, _ = baseline(kube, namespace, options, "canary", "replicas", canary_steps=steps)
    kube.create(stable_hpa(spec, 2, 10))
    ref = ObjectRef("apps/v1", "Deployment", namespace, "sentiment")
    live = kube.get(ref)
    assert live is not None
    live["spec"]["replicas"] = HPA_SIZE
    kube.replace(live)
    wait_rollout(kube, namespace, "sentiment", timeout=20, poll=0.03)
    before = objects_in(kube, namespace)

    with Watcher(make_kube(engine_cluster), ref) as watcher:
        result = deploy(spec, kube, RunInfo("run-hpa-replicas"), lambda _r: Verdict.PASS, options)
    assert result.record["outcome"] == "promoted"
    assert watcher.lowest_spec == 3, "50 % of the HPA's 6 pods"
    after = objects_in(kube, namespace)
    assert after["Deployment/sentiment"]["spec"]["replicas"] == HPA_SIZE
    key = "HorizontalPodAutoscaler/sentiment-hpa"
    assert diff_paths(before[key], after[key]) == [], "the pinned HPA was not restored"
