"""Each strategy × router it supports, on the local API server: promotion, and rollback after
(a) a failed analysis, (b) a candidate that never becomes ready, (c) an API fault. After a
rollback the namespace's objects equal the pre-run state except bookkeeping fields."""

from __future__ import annotations

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError, RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.testing.apiserver import ApiServerHandle
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline
from tests.unit.engine.specs import supported_pairs

PAIRS = supported_pairs()
IDS = [f"{s}-{r}" for s, r in PAIRS]


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=IDS)
def test_promotes(kube: Kube, namespace: str, options: Options, strategy: str, router: str) -> None:
    spec, before = baseline(kube, namespace, options, strategy, router)
    result = deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    assert result.record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before)


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=IDS)
def test_failed_analysis_rolls_back(kube: Kube, namespace: str, options: Options, strategy: str, router: str) -> None:
    spec, before = baseline(kube, namespace, options, strategy, router)
    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("run-2"), scripted(Verdict.FAIL), options)
    assert_restored(kube, namespace, before)


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=IDS)
def test_never_ready_candidate_rolls_back(engine_cluster: ApiServerHandle, kube: Kube, namespace: str,
                                          options: Options, strategy: str, router: str) -> None:
    spec, before = baseline(kube, namespace, options, strategy, router)
    engine_cluster.faults.never_ready(labels={"version": "2.0.0"})
    with pytest.raises(ClusterError, match="not ready"):
        deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=IDS)
def test_api_fault_rolls_back(engine_cluster: ApiServerHandle, namespace: str, options: Options,
                              strategy: str, router: str) -> None:
    from tests.integration.engine.conftest import make_kube

    kube = make_kube(engine_cluster, deadline=0.5)
    spec, before = baseline(kube, namespace, options, strategy, router)
    verb = "update" if strategy in ("rolling", "recreate") else "create"
    engine_cluster.faults.inject(verb, "deployments", 503)  # the run's first Deployment write never lands
    with pytest.raises(ClusterError, match="still failing"):
        deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)
