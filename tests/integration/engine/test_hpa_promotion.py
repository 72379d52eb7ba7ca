"""Promotion keeps the size an HPA chose (local API server; no HPA controller runs there, so the
test plays the HPA: it scales stable to 6 before the run, as an HPA with min 2 / max 10 would
under load). A canary with a weighted router then runs to promotion while a watcher reads the
stable Deployment: its ready pods never drop below 6, and it ends at 6 — not server.replicas (2).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.wait import wait_rollout
from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.compare import diff_paths
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Analysis, CanaryStep
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import make_kube, objects_in
from tests.integration.engine.scenarios import baseline, deploy_yaml
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


def _hpa_scaler(kube: Kube, namespace: str) -> Callable[[int], None]:
    """What the HPA controller does: set stable's size through the /scale subresource."""
    from kubernetes import client

    apps = client.AppsV1Api(kube.api_client)

    def scale(replicas: int) -> None:
        body = {"spec": {"replicas": replicas}}
        kube.raw("scale stable", apps.patch_namespaced_deployment_scale, "sentiment", namespace, body)

    return scale


def test_promotion_keeps_a_scale_up_the_hpa_made_during_the_run(
    kube: Kube, namespace: str, options: Options
) -> None:
    """The plan sizes against what the HPA chose when the run started (4); load rises while the
    canary waits at its analysis and the HPA scales stable to 7 through the /scale subresource.
    Promotion must not write the planned 4 over that: stable ends at 7."""
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    spec, _ = baseline(kube, namespace, options, "canary", "gatewayAPI", canary_steps=steps)
    kube.create(stable_hpa(spec, 2, 10))
    ref = ObjectRef("apps/v1", "Deployment", namespace, "sentiment")
    scale = _hpa_scaler(kube, namespace)

    scale(4)
    wait_rollout(kube, namespace, "sentiment", timeout=20, poll=0.03)
    seen: list[int] = []

    def gate(request: GateRequest) -> Verdict:
        seen.append(int((kube.get(ref) or {}).get("spec", {}).get("replicas") or 0))
        scale(7)  # mid-run: after planning (at 4), before promotion
        return Verdict.PASS

    result = deploy(spec, kube, RunInfo("run-hpa-mid-run"), gate, options)
    assert result.record["outcome"] == "promoted"
    assert seen == [4], "the run did not start from the HPA's 4"
    live = kube.get(ref)
    assert live is not None
    assert live["spec"]["template"]["metadata"]["labels"]["version"] == "2.0.0"
    assert live["spec"]["replicas"] >= 7, f"promotion scaled stable down to {live['spec']['replicas']}"
    assert live["status"]["readyReplicas"] >= 7
    assert "ai-deploy-ci.io/hpa-scaled" not in (live["metadata"].get("annotations") or {})


def test_cli_plan_previews_the_counts_the_hpa_chose(
    engine_cluster: ApiServerHandle,
    kube: Kube,
    namespace: str,
    options: Options,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ai-deploy-ci plan` reads the HPA as `deploy` does (`pipeline.observe`): with stable scaled
    to 6 by its HPA, the preview's 50 % candidate has 3 pods and promotion keeps 6 (from
    server.replicas = 2 it would show 1 and 2)."""
    from ai_deploy_ci import cli
    from ai_deploy_ci.commands.deploy import load

    path = deploy_yaml(tmp_path / "deploy.yaml", namespace, "1.0.0", [{"setWeight": 50}])
    spec, _ = load(str(path))
    assert deploy(spec, kube, RunInfo("base"), opts=options).record["outcome"] == "promoted"
    kube.create(stable_hpa(spec, 2, 10))
    ref = ObjectRef("apps/v1", "Deployment", namespace, spec.metadata.name)
    live = kube.get(ref)
    assert live is not None
    live["spec"]["replicas"] = HPA_SIZE  # the HPA's scale-up
    kube.replace(live)

    deploy_yaml(path, namespace, "2.0.0", [{"setWeight": 50}])
    args = ["plan", str(path), "--kubeconfig", str(engine_cluster.kubeconfig_path), "--format", "json"]
    assert cli.main(args) == 0
    plan = json.loads(capsys.readouterr().out)
    sizes = {
        (step["kind"], obj["metadata"]["name"]): obj["spec"]["replicas"]
        for step in plan["steps"]
        for obj in (*step["apply"], *step["route_objects"])
        if obj["kind"] == "Deployment"
    }
    name = spec.metadata.name
    assert sizes[("setWeight", f"{name}-candidate")] == 3, sizes  # ⌈6·50/100⌉, not ⌈2·50/100⌉
    assert sizes[("promote", name)] == HPA_SIZE, sizes
    assert cli.main(args[:-2]) == 0  # the text preview says so too
    assert "50% to the candidate (3 pods)" in capsys.readouterr().out


@pytest.mark.parametrize(("strategy", "router"), [("canary", "gatewayAPI"), ("rolling", "service")])
def test_rollback_keeps_a_scale_up_the_hpa_made_during_the_run(
    kube: Kube, namespace: str, options: Options, strategy: str, router: str
) -> None:
    """The HPA scales stable 4 → 7 while the analysis runs, then the analysis FAILs. Rollback
    restores stable's template (rolling updated it in place) but not the pre-run count 4: the
    HPA chose 7 under load. The run still counts as restored (the count is the HPA's)."""
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    kw: dict[str, Any] = {"canary_steps": steps} if strategy == "canary" else {}
    spec, _ = baseline(kube, namespace, options, strategy, router, **kw)
    kube.create(stable_hpa(spec, 2, 10))
    ref = ObjectRef("apps/v1", "Deployment", namespace, "sentiment")
    scale = _hpa_scaler(kube, namespace)

    scale(4)
    wait_rollout(kube, namespace, "sentiment", timeout=20, poll=0.03)
    before = kube.get(ref)
    assert before is not None

    def gate(request: GateRequest) -> Verdict:
        scale(7)  # mid-run, as the HPA would under load
        return Verdict.FAIL

    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo(f"run-hpa-{strategy}-fail"), gate, options)
    record = json.loads((options.results_dir / "rollout.json").read_text())
    assert record["outcome"] == "rolled_back"
    assert record["rollback"]["restored"] is True, record["rollback"]
    live = kube.get(ref)
    assert live is not None
    assert live["spec"]["replicas"] == 7, f"rollback scaled stable to {live['spec']['replicas']}"
    assert live["spec"]["template"] == before["spec"]["template"]
    assert "ai-deploy-ci.io/hpa-scaled" not in (live["metadata"].get("annotations") or {})
