"""20 % of API requests fail (429, 500, 503, timeouts); every strategy still ends correctly."""

from __future__ import annotations

import pytest

from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.testing.apiserver import ApiServerHandle
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import make_kube
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline

CASES = [
    ("rolling", "service"),
    ("recreate", "replicas"),
    ("blueGreen", "service"),
    ("canary", "gatewayAPI"),
    ("abTest", "istio"),
    ("shadow", "gatewayAPI"),
]


@pytest.mark.parametrize(("strategy", "router"), CASES, ids=[f"{s}-{r}" for s, r in CASES])
def test_strategy_survives_a_flaky_api(
    engine_cluster: ApiServerHandle, namespace: str, options: Options, strategy: str, router: str
) -> None:
    kube = make_kube(engine_cluster, deadline=30.0)
    kube.request_timeout = 0.3
    faults = engine_cluster.faults
    for status in (429, 500, 503):
        faults.inject("*", "*", status, rate=0.05, retry_after=0)
    faults.inject("*", "*", "timeout", rate=0.05, hang=0.4)
    try:
        spec, before = baseline(kube, namespace, options, strategy, router)
        with pytest.raises(RegressionDetected):
            deploy(spec, kube, RunInfo("flaky-fail"), scripted(Verdict.FAIL), options)
        assert_restored(kube, namespace, before)
        result = deploy(spec, kube, RunInfo("flaky-pass"), scripted(), options)
        assert result.record["outcome"] == "promoted"
        assert_promoted(kube, namespace, before)
        assert kube.retries >= 5, "the faults did not fire: this test proved nothing"
    finally:
        faults.clear()
