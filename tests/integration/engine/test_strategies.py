"""Each strategy × router it supports, on the local API server: rollback after (a) a failed
analysis, (b) a candidate that never becomes ready, (c) an API fault — after each, the
namespace's objects equal the pre-run state except bookkeeping fields — and then promotion.

The four runs share one baseline per pair (a first deploy of 1.0.0), which is also what a real
cluster sees: failed attempts followed by a good one. One test per strategy drives its routers
concurrently, each in its own namespace with its own candidate version, so the injected faults
(pods by version label, API writes by namespace) touch only their own pair.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ai_deploy_ci.errors import ClusterError, RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.local.apiserver import ApiServerHandle, WriteRequest
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import create_namespace, make_kube
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline
from tests.unit.engine.specs import STRATEGIES, supported_pairs, with_version


class FailWrites:
    """A write hook failing chosen (namespace, resource, verb) writes; shared by concurrent pairs."""

    def __init__(self) -> None:
        self.rules: set[tuple[str, str, str]] = set()
        self.lock = threading.Lock()

    def __call__(self, w: WriteRequest) -> None:
        with self.lock:
            hit = (w.namespace, w.resource, w.verb) in self.rules
        if hit:
            raise RuntimeError("injected fault")


def _pair(handle: ApiServerHandle, hook: FailWrites, options: Options, strategy: str, router: str) -> None:
    namespace = f"pair-{strategy.lower()}-{router.lower()}"
    kube = make_kube(handle, deadline=0.5)
    create_namespace(kube, namespace)
    opts = replace(options, results_dir=options.results_dir / namespace)
    spec, before = baseline(kube, namespace, opts, strategy, router)
    version = f"2.0.0-{router.lower()}"  # pod faults select by version label: this pair's pods only
    spec = with_version(spec, version)

    # (a) the analysis says FAIL
    with pytest.raises(RegressionDetected):
        deploy(spec, kube, RunInfo("run-a"), scripted(Verdict.FAIL), opts)
    assert_restored(kube, namespace, before)

    # (b) the candidate's pods never become ready: the progress deadline (20 s cluster time) fails it
    handle.faults.never_ready(labels={"version": version})
    impatient = replace(spec, strategy=replace(spec.strategy, progress_deadline_seconds=20))
    with pytest.raises(ClusterError, match="not ready"):
        deploy(impatient, kube, RunInfo("run-b"), scripted(), opts)
    assert_restored(kube, namespace, before)

    # (c) the API server keeps failing the run's first Deployment write (500 until the retry deadline)
    rule = (namespace, "deployments", "update" if strategy in ("rolling", "recreate") else "create")
    with hook.lock:
        hook.rules.add(rule)
    try:
        with pytest.raises(ClusterError, match="still failing"):
            deploy(spec, kube, RunInfo("run-c"), scripted(), opts)
    finally:
        with hook.lock:
            hook.rules.discard(rule)
    assert_restored(kube, namespace, before)

    # and then it goes through (a new version: the never-ready fault stays on the old one)
    result = deploy(with_version(spec, f"{version}.1"), kube, RunInfo("run-d"), scripted(), opts)
    assert result.record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before, version=f"{version}.1")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_rollbacks_then_promotion(engine_cluster: ApiServerHandle, options: Options, strategy: str) -> None:
    routers = [r for s, r in supported_pairs() if s == strategy]
    hook = FailWrites()
    engine_cluster.faults.clear()
    engine_cluster.faults.write_hook = hook
    try:
        with ThreadPoolExecutor(max_workers=len(routers)) as pool:
            futures = {r: pool.submit(_pair, engine_cluster, hook, options, strategy, r) for r in routers}
        errors = {r: f.exception() for r, f in futures.items() if f.exception() is not None}
        assert not errors, errors
    finally:
        engine_cluster.faults.clear()
