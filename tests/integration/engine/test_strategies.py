"""Each strategy × router it supports, on the local API server: rollback after (a) a failed
analysis, (b) a candidate that never becomes ready, (c) an API fault — after each, the
namespace's objects equal the pre-run state except bookkeeping fields — and then promotion.

The four runs share one baseline per pair (a first deploy of 1.0.0), which is also what a
real cluster sees: failed attempts followed by a good one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ai_deploy_ci.errors import ClusterError, RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.testing.apiserver import ApiServerHandle, WriteRequest
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import make_kube
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline
from tests.unit.engine.specs import supported_pairs

PAIRS = supported_pairs()


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_rollbacks_then_promotion(
    engine_cluster: ApiServerHandle, namespace: str, options: Options, strategy: str, router: str
) -> None:
    kube = make_kube(engine_cluster, deadline=0.5)
    spec, before = baseline(kube, namespace, options, strategy, router)

    # (a) the analysis says FAIL
    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("run-a"), scripted(Verdict.FAIL), options)
    assert_restored(kube, namespace, before)

    # (b) the candidate's pods never become ready: the progress deadline (20 s cluster time) fails it
    engine_cluster.faults.never_ready(labels={"version": "2.0.0"})
    impatient = replace(spec, strategy=replace(spec.strategy, progress_deadline_seconds=20))
    with pytest.raises(ClusterError, match="not ready"):
        deploy(impatient, kube, RunInfo("run-b"), scripted(), options)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)

    # (c) the API server keeps failing the run's first Deployment write (503 until the retry deadline)
    verb = "update" if strategy in ("rolling", "recreate") else "create"

    def hook(w: WriteRequest) -> None:
        if w.namespace == namespace and w.resource == "deployments" and w.verb == verb:
            raise RuntimeError("injected fault")

    engine_cluster.faults.write_hook = hook
    with pytest.raises(ClusterError, match="still failing"):
        deploy(spec, kube, RunInfo("run-c"), scripted(), options)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)

    # and then it goes through
    result = deploy(spec, kube, RunInfo("run-d"), scripted(), options)
    assert result.record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before)
