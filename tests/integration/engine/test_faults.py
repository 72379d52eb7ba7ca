"""20 % of API requests fail (429, 500, 503, timeouts); every strategy still ends correctly.

All six strategies run at once, each in its own namespace, under the same fault rates: a failed
analysis must still roll back to the exact pre-run objects, and a passing run must promote.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import create_namespace, make_kube
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline

CASES = [
    ("rolling", "service"),
    ("recreate", "replicas"),
    ("blueGreen", "service"),
    ("canary", "gatewayAPI"),
    ("abTest", "istio"),
    ("shadow", "gatewayAPI"),
]


def _case(handle: ApiServerHandle, options: Options, strategy: str, router: str) -> int:
    namespace = f"flaky-{strategy.lower()}"
    kube = make_kube(handle, deadline=30.0)
    kube.request_timeout = 0.3
    create_namespace(kube, namespace)
    opts = replace(options, results_dir=options.results_dir / namespace)
    spec, before = baseline(kube, namespace, opts, strategy, router)
    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("flaky-fail"), scripted(Verdict.FAIL), opts)
    assert_restored(kube, namespace, before)
    result = deploy(spec, kube, RunInfo("flaky-pass"), scripted(), opts)
    assert result.record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before)
    return kube.retries


def test_every_strategy_survives_a_flaky_api(engine_cluster: ApiServerHandle, options: Options) -> None:
    faults = engine_cluster.faults
    faults.clear()
    for status in (429, 500, 503):
        faults.inject("*", "*", status, rate=0.05, retry_after=0)
    faults.inject("*", "*", "timeout", rate=0.05, hang=0.4)
    try:
        with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
            futures = {s: pool.submit(_case, engine_cluster, options, s, r) for s, r in CASES}
        errors = {s: f.exception() for s, f in futures.items() if f.exception() is not None}
        assert not errors, errors
        retries = {s: f.result() for s, f in futures.items()}
        assert all(n >= 3 for n in retries.values()), f"the faults did not fire: {retries}"
    finally:
        faults.clear()
