"""Crash test: the deploy process is SIGKILLed at every one of its API writes — enumerated, not
sampled — for a canary and a blue/green run; a re-run (same workflow run id) must converge:
promoted, no orphaned objects, and traffic never routed to a backend without ready pods —
checked before every write of an uninterrupted run (so after each of its writes), right after
each kill, and after each converged re-run.

The kill happens in the API server's write hook, before the write is committed, so each
iteration leaves the cluster exactly as the run had it just before write k.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ai_deploy_ci.cluster import snapshot
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.routers import router_for
from ai_deploy_ci.testing.apiserver import ApiServerHandle, WriteRequest
from tests.integration.engine.conftest import TIME_SCALE, create_namespace, make_kube, objects_in
from tests.integration.engine.scenarios import assert_promoted, crash_spec

ROOT = Path(__file__).resolve().parents[3]
ENGINE_RESOURCES = {
    "deployments",
    "services",
    "configmaps",
    "leases",
    "httproutes",
    "virtualservices",
    "destinationrules",
    "ingresses",
}
CASES = [("canary", "gatewayAPI"), ("blueGreen", "service")]
WORKERS = 3


@dataclass
class Target:
    k: int
    pid: int
    killed: bool = False


class Killer:
    """The write hook: counts the engine's writes per namespace; kills the deploy process at write k."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.targets: dict[str, Target] = {}
        self.lock = threading.Lock()
        self.checks: dict[str, Callable[[], None]] = {}  # namespace → invariant checked before each write
        self.violations: list[str] = []

    def __call__(self, w: WriteRequest) -> None:
        if w.resource not in ENGINE_RESOURCES:  # controllers' writes (pods, replicasets, */status)
            return
        check = self.checks.get(w.namespace)
        if check is not None:  # the state every earlier write left, seen before this one lands
            try:
                check()
            except AssertionError as exc:
                self.violations.append(f"before {w.verb} {w.resource}/{w.name}: {exc}")
        with self.lock:
            target = self.targets.get(w.namespace)
            if target is None:
                return
            self.counts[w.namespace] += 1
            if self.counts[w.namespace] != target.k or target.killed:
                return
            target.killed = True
        os.kill(target.pid, signal.SIGKILL)
        raise RuntimeError("deploy process killed before this write")


class Driver:
    """One fork server (see crash_driver.py); one deploy at a time through it."""

    def __init__(self, handle: ApiServerHandle) -> None:
        self.handle = handle
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.engine.crash_driver"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def deploy(self, killer: Killer, k: int, ns: str, strategy: str, router: str, results: Path) -> int:
        """Run one deploy in a fresh child; killed at write k; returns its exit status."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        job = {
            "kubeconfig": str(self.handle.kubeconfig_path),
            "namespace": ns,
            "strategy": strategy,
            "router": router,
            "run_id": "run-crash",
            "scale": str(TIME_SCALE),
            "results": str(results),
        }
        with killer.lock:  # registered before the child can write
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            pid = int(self.proc.stdout.readline().split()[1])
            killer.targets[ns] = Target(k, pid)
        return int(self.proc.stdout.readline().split()[1])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:  # the driver exits once its last child is reaped; slow only on a loaded machine
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _baseline(kube: Kube, ns: str, strategy: str, router: str, results: Path) -> dict[str, object]:
    create_namespace(kube, ns)
    opts = Options(
        results_dir=results, time_scale=TIME_SCALE, lock_seconds=30, poll=0.03, on_event=lambda _m: None
    )
    deploy(crash_spec(ns, strategy, router, "1.0.0"), kube, RunInfo("base"), opts=opts)
    return objects_in(kube, ns)


def assert_traffic_safe(kube: Kube, ns: str, strategy: str, router: str) -> None:
    """Whatever the route says, every backend it sends live traffic to has a ready pod."""
    spec = crash_spec(ns, strategy, router, "2.0.0")
    r = router_for(spec, ObservedState(run=RunInfo("check")))
    refs = [
        *r.owned(),
        ObjectRef("apps/v1", "Deployment", ns, r.names.stable),
        ObjectRef("apps/v1", "Deployment", ns, r.names.candidate),
    ]
    live = snapshot.live(kube, refs)
    route = r.get_routes(live)
    if route is None:
        return

    def ready(name: str) -> int:
        dep = live.get(ObjectRef("apps/v1", "Deployment", ns, name)) or {}
        return int(dep.get("status", {}).get("readyReplicas") or 0)

    if route.candidate_receives_traffic:
        assert ready(r.names.candidate) > 0, f"traffic routed to the candidate without ready pods: {route}"
    if route.stable_weight > 0:
        assert ready(r.names.stable) > 0, f"traffic routed to stable without ready pods: {route}"


def _iteration(
    handle: ApiServerHandle, driver: Driver, killer: Killer, strategy: str, router: str, k: int, tmp: Path
) -> str:
    ns = f"crash-{strategy.lower()}-{k}"
    kube = make_kube(handle)
    before = _baseline(kube, ns, strategy, router, tmp / ns)
    status = driver.deploy(killer, k, ns, strategy, router, tmp / ns / "crashed")
    if status != -signal.SIGKILL:
        return f"write {k}: the run ended ({status}) before its write {k}"
    assert_traffic_safe(kube, ns, strategy, router)
    opts = Options(
        results_dir=tmp / ns / "rerun",
        time_scale=TIME_SCALE,
        lock_seconds=30,
        poll=0.03,
        on_event=lambda _m: None,
    )
    result = deploy(crash_spec(ns, strategy, router, "2.0.0"), kube, RunInfo("run-crash"), scripted(), opts)
    assert result.record["outcome"] == "promoted", f"write {k}: {result.record['outcome']}"
    assert_promoted(kube, ns, before)
    assert_traffic_safe(kube, ns, strategy, router)
    return ""


@pytest.mark.slow
@pytest.mark.parametrize(("strategy", "router"), CASES, ids=[f"{s}-{r}" for s, r in CASES])
def test_kill_at_every_write_then_rerun_converges(
    engine_cluster: ApiServerHandle, strategy: str, router: str, tmp_path: Path
) -> None:
    killer = Killer()
    engine_cluster.faults.clear()
    engine_cluster.faults.write_hook = killer
    drivers = [Driver(engine_cluster) for _ in range(WORKERS)]
    try:
        # Enumerate: one uninterrupted run counts the writes (a k beyond the last write never fires).
        kube = make_kube(engine_cluster)
        ns = f"crash-{strategy.lower()}-count"
        _baseline(kube, ns, strategy, router, tmp_path / ns)
        killer.checks[ns] = lambda: assert_traffic_safe(kube, ns, strategy, router)
        assert drivers[0].deploy(killer, 10**9, ns, strategy, router, tmp_path / ns / "run") == 0
        assert not killer.violations, killer.violations
        total = killer.counts[ns]
        assert total >= 10, f"only {total} writes counted: is the hook seeing the engine's writes?"
        free: queue.Queue[Driver] = queue.Queue()
        for d in drivers:
            free.put(d)

        def one(k: int) -> str:
            driver = free.get()
            try:
                return _iteration(engine_cluster, driver, killer, strategy, router, k, tmp_path)
            finally:
                free.put(driver)

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            problems = list(pool.map(one, range(1, total + 1)))
        assert not [p for p in problems if p], problems
    finally:
        engine_cluster.faults.clear()
        for d in drivers:
            d.close()
