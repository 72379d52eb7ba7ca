"""The engine against a live HPA controller (the local one, driven by the metrics stand-in): the
HPA resizes stable *during* the rollout, as it would on a user's cluster under changing load.

- canary: load rises mid-canary and the HPA scales stable 2 → 4; promotion keeps the 4.
- blue/green: load falls while green runs beside blue (double capacity) and the HPA scales blue
  down; promotion still ends with the new version at a size within the HPA's bounds, all ready.
Before issue #18 no controller acted on HPAs here, so these paths were never exercised.
"""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.wait import wait_rollout
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.compare import diff_paths
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Analysis, CanaryStep
from ai_deploy_ci.verdict import Verdict
from tests.conformance.helpers import wait_for
from tests.integration.engine.conftest import objects_in
from tests.integration.engine.scenarios import baseline
from tests.unit.engine.specs import stable_hpa

TARGET = 70  # stable_hpa's averageUtilization
HPA_KEY = "HorizontalPodAutoscaler/sentiment-hpa"


def _stable(kube: Kube, namespace: str) -> dict[str, Any]:
    return kube.get(ObjectRef("apps/v1", "Deployment", namespace, "sentiment")) or {}


def _size(kube: Kube, namespace: str) -> int:
    return int(_stable(kube, namespace).get("spec", {}).get("replicas") or 0)


def test_hpa_scales_stable_up_mid_canary_and_promotion_keeps_it(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    metrics = engine_cluster.api.metrics
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    spec, _ = baseline(kube, namespace, options, "canary", "gatewayAPI", canary_steps=steps)
    metrics.set_utilization(namespace, "sentiment", "cpu", TARGET)  # on target: the HPA holds 2
    kube.create(stable_hpa(spec, 2, 10))
    before = objects_in(kube, namespace)
    sizes: list[int] = []

    def gate(request: GateRequest) -> Verdict:
        metrics.set_utilization(namespace, "sentiment", "cpu", 2 * TARGET)  # load doubles
        wait_for(lambda: _size(kube, namespace) >= 4, timeout=60, interval=0.05, what="the HPA's scale-up")
        metrics.set_utilization(namespace, "sentiment", "cpu", TARGET)  # spread over 4 pods: on target
        sizes.append(_size(kube, namespace))
        return Verdict.PASS

    result = deploy(spec, kube, RunInfo("run-live-hpa-up"), gate, options)
    assert result.record["outcome"] == "promoted"
    assert sizes == [4], sizes
    wait_rollout(kube, namespace, "sentiment", timeout=60, poll=0.05)
    stable = _stable(kube, namespace)
    assert stable["spec"]["template"]["metadata"]["labels"]["version"] == "2.0.0"
    assert stable["spec"]["replicas"] == 4, "promotion overwrote the HPA's scale-up"
    assert stable["status"]["readyReplicas"] == 4
    after = objects_in(kube, namespace)
    assert diff_paths(before[HPA_KEY], after[HPA_KEY]) == [], "the user's HPA changed"
    assert "sentiment-candidate" not in str(sorted(after)), "the candidate (or its HPA) was left behind"


def test_hpa_scales_blue_down_during_blue_green_double_capacity(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    metrics = engine_cluster.api.metrics
    spec, _ = baseline(kube, namespace, options, "blueGreen", "service")
    kube.create(stable_hpa(spec, 1, 4))  # scale-down stabilisation 60 s
    metrics.set_utilization(namespace, "sentiment", "cpu", 2 * TARGET)
    wait_for(lambda: _size(kube, namespace) == 4, timeout=60, interval=0.05, what="the HPA's scale-up to 4")
    metrics.set_utilization(namespace, "sentiment", "cpu", TARGET)
    wait_rollout(kube, namespace, "sentiment", timeout=60, poll=0.05)
    before = objects_in(kube, namespace)
    seen: list[dict[str, int]] = []

    def gate(request: GateRequest) -> Verdict:
        green = kube.get(ObjectRef("apps/v1", "Deployment", namespace, "sentiment-candidate")) or {}
        metrics.set_utilization(namespace, "sentiment", "cpu", TARGET // 4)  # load falls: wants 1
        wait_for(lambda: _size(kube, namespace) < 4, timeout=60, interval=0.05, what="the HPA's scale-down")
        seen.append(
            {"green": int(green.get("spec", {}).get("replicas") or 0), "blue": _size(kube, namespace)}
        )
        return Verdict.PASS

    result = deploy(spec, kube, RunInfo("run-live-hpa-down"), gate, options)
    assert result.record["outcome"] == "promoted"
    assert seen and seen[0]["green"] == 4 and seen[0]["blue"] < 4, seen  # green at blue's 4, blue shrank
    wait_rollout(kube, namespace, "sentiment", timeout=60, poll=0.05)
    stable = _stable(kube, namespace)
    assert stable["spec"]["template"]["metadata"]["labels"]["version"] == "2.0.0"
    assert 1 <= stable["spec"]["replicas"] <= 4, "outside the HPA's bounds"
    assert stable["status"]["readyReplicas"] == stable["spec"]["replicas"]
    after = objects_in(kube, namespace)
    assert diff_paths(before[HPA_KEY], after[HPA_KEY]) == [], "the user's HPA changed"
    assert "sentiment-candidate" not in str(sorted(after)), "green (or its HPA) was left behind"
