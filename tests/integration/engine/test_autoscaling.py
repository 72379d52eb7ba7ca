"""HPA interplay on the local API server (it stores autoscaling/v2 and validates it with the
official schema; no controller acts on it): a stable HPA gives the candidate its own HPA for the
run, pinned with the `replicas` router; after promotion only the original remains, unchanged;
after a rollback the namespace equals the pre-run state, HPA included."""

from __future__ import annotations

from typing import Any

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.compare import diff_paths
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Analysis, CanaryStep
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import objects_in
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline
from tests.unit.engine.specs import stable_hpa

HPA = "HorizontalPodAutoscaler"


def _bounds(kube: Kube, namespace: str, name: str) -> tuple[int, int] | None:
    obj = kube.get(ObjectRef("autoscaling/v2", HPA, namespace, name))
    return None if obj is None else (obj["spec"]["minReplicas"], obj["spec"]["maxReplicas"])


def _recording_gate(kube: Kube, namespace: str, verdict: Verdict, seen: list[dict[str, Any]]) -> Any:
    def gate(request: GateRequest) -> Verdict:
        seen.append(
            {
                "weight": request.weight,
                "candidate": _bounds(kube, namespace, "sentiment-candidate"),
                "stable": _bounds(kube, namespace, "sentiment-hpa"),
            }
        )
        return verdict

    return gate


def _assert_only_the_original_hpa(kube: Kube, namespace: str, before: dict[str, Any]) -> None:
    after = objects_in(kube, namespace)
    hpas = sorted(k for k in after if k.startswith(f"{HPA}/"))
    assert hpas == [f"{HPA}/sentiment-hpa"]
    key = f"{HPA}/sentiment-hpa"
    assert diff_paths(before[key], after[key]) == [], "the stable HPA changed"


CASES = [
    # (router, canary steps, stable HPA bounds, what each gate sees: (weight, candidate, stable))
    (
        "gatewayAPI",
        (
            CanaryStep(set_weight=50),
            CanaryStep(analysis=Analysis(duration=0.1)),
            CanaryStep(set_weight=100),
            CanaryStep(analysis=Analysis(duration=0.1)),
        ),
        (1, 5),
        [(50, (1, 5), (1, 5)), (100, (2, 5), (1, 5))],  # min = the candidate's pods, max = stable's
    ),
    (
        "replicas",
        (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1))),
        (2, 5),
        [(50, (1, 1), (1, 1))],  # 50 % of 2: one pod each, both HPAs pinned
    ),
]


@pytest.mark.parametrize(("router", "steps", "hpa_bounds", "expected"), CASES, ids=[c[0] for c in CASES])
def test_canary_with_a_stable_hpa_rolls_back_then_promotes(
    kube: Kube,
    namespace: str,
    options: Options,
    router: str,
    steps: tuple[CanaryStep, ...],
    hpa_bounds: tuple[int, int],
    expected: list[tuple[int, tuple[int, int], tuple[int, int]]],
) -> None:
    spec, _ = baseline(kube, namespace, options, "canary", router, canary_steps=steps)
    kube.create(stable_hpa(spec, *hpa_bounds))
    before = objects_in(kube, namespace)

    # a failed analysis at the last gate: every HPA as the plan says, then back to the snapshot
    seen: list[dict[str, Any]] = []
    fail_last = _recording_gate(kube, namespace, Verdict.PASS, seen)

    def gate(request: GateRequest) -> Verdict:
        fail_last(request)
        return Verdict.FAIL if len(seen) == len(expected) else Verdict.PASS

    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("run-fail"), gate, options)
    assert [(s["weight"], s["candidate"], s["stable"]) for s in seen] == expected
    assert_restored(kube, namespace, before)  # the pinned HPA is back, the candidate's is gone

    # then a good run: the same HPAs during the run; afterwards only the original stable HPA
    seen.clear()
    result = deploy(
        spec, kube, RunInfo("run-pass"), _recording_gate(kube, namespace, Verdict.PASS, seen), options
    )
    assert result.record["outcome"] == "promoted"
    assert [(s["weight"], s["candidate"], s["stable"]) for s in seen] == expected
    assert_promoted(kube, namespace, before)
    _assert_only_the_original_hpa(kube, namespace, before)
    text = " ".join(result.warnings)
    assert "HPA sentiment-hpa scales sentiment" in text and "sentiment-candidate" in text
    assert ("pins it" in text) == (router == "replicas")


def test_blue_green_green_gets_stables_bounds_and_rolling_leaves_the_hpa_alone(
    kube: Kube, namespace: str, options: Options
) -> None:
    spec, _ = baseline(kube, namespace, options, "blueGreen", "service")
    kube.create(stable_hpa(spec, 1, 4))
    before = objects_in(kube, namespace)
    seen: list[dict[str, Any]] = []
    result = deploy(spec, kube, RunInfo("bg"), _recording_gate(kube, namespace, Verdict.PASS, seen), options)
    assert result.record["outcome"] == "promoted"
    assert [s["candidate"] for s in seen] == [(2, 4)]  # green's full size (2) within stable's 1..4
    _assert_only_the_original_hpa(kube, namespace, before)

    from dataclasses import replace

    rolling = replace(spec, strategy=replace(spec.strategy, type="rolling"))
    rolling = replace(rolling, server=replace(rolling.server, version="3.0.0"))
    seen.clear()
    result = deploy(
        rolling, kube, RunInfo("rolling"), _recording_gate(kube, namespace, Verdict.PASS, seen), options
    )
    assert result.record["outcome"] == "promoted"
    assert [s["candidate"] for s in seen] == [None]
    _assert_only_the_original_hpa(kube, namespace, before)
