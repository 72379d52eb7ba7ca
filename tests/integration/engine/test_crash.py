"""Crash test: the deploy process is SIGKILLed at every one of its API writes — enumerated, not
sampled — for a canary and a blue/green run; a re-run (same workflow run id) must converge:
promoted, no orphaned objects, and traffic never routed to a backend without ready pods —
checked before every write of an uninterrupted run (so after each of its writes), right after
each kill, and after each converged re-run.

The same for a crash during a rollback: the run's analysis says FAIL and the process is killed
at every write of its rollback (counted from the write that marks the run state
`rolling_back`); `pipeline.rollback` (what `ai-deploy-ci rollback` runs) must then return the
namespace to its pre-run objects, with traffic safe before each of its writes too.

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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ai_deploy_ci.cluster import snapshot
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError, RegressionDetected
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.local.apiserver import ApiServerHandle, WriteRequest
from ai_deploy_ci.pipeline import Options, deploy, rollback
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.routers import router_for
from tests.integration.engine.conftest import TIME_SCALE, create_namespace, make_kube, objects_in
from tests.integration.engine.scenarios import assert_promoted, assert_restored, crash_spec

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
# a rollback from the replicas router's split restores stable's size before traffic moves
ROLLBACK_CASES = [*CASES, ("canary", "replicas")]
WORKERS = 3


@dataclass
class Target:
    k: int
    pid: int
    killed: bool = False
    rollback_only: bool = False  # count only the rollback's writes (from the `rolling_back` save on)
    counting: bool = True  # False until then


def starts_rollback(w: WriteRequest) -> bool:
    """The rollback's first write: the run state saved with phase `rolling_back` (cluster/undo.py)."""
    return (
        w.resource == "configmaps" and w.name == states.state_name("sentiment") and b"rolling_back" in w.body
    )


class Killer:
    """The write hook: counts the engine's writes per namespace; kills the deploy process at write k."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.targets: dict[str, Target] = {}
        self.lock = threading.Lock()
        self.checks: dict[str, Callable[[], None]] = {}  # namespace → invariant checked before each write
        self.violations: list[str] = []
        self.log: dict[str, list[str]] = defaultdict(list)  # namespace → the counted writes, in order

    def __call__(self, w: WriteRequest) -> None:
        if w.resource not in ENGINE_RESOURCES:  # controllers' writes (pods, replicasets, */status)
            return
        if w.resource == "leases" and w.verb in ("update", "patch"):
            return  # renewals come with the clock, not the plan: counting them makes k drift
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
            if not target.counting:
                if not starts_rollback(w):
                    return
                target.counting = True
            self.counts[w.namespace] += 1
            self.log[w.namespace].append(f"{w.verb} {w.resource}/{w.name}")
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

    def deploy(
        self,
        killer: Killer,
        k: int,
        ns: str,
        strategy: str,
        router: str,
        results: Path,
        *,
        fail: bool = False,
    ) -> int:
        """Run one deploy in a fresh child; killed at write k; returns its exit status. `fail`: its
        analysis says FAIL, and k counts the writes of the rollback that follows."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        job = {
            "kubeconfig": str(self.handle.kubeconfig_path),
            "namespace": ns,
            "strategy": strategy,
            "router": router,
            "run_id": "run-crash",
            "scale": str(TIME_SCALE),
            "results": str(results),
            "gate": "fail" if fail else "pass",
        }
        with killer.lock:  # registered before the child can write
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            pid = int(self.proc.stdout.readline().split()[1])
            killer.targets[ns] = Target(k, pid, rollback_only=fail, counting=not fail)
        return int(self.proc.stdout.readline().split()[1])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:  # the driver exits once its last child is reaped; slow only on a loaded machine
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _options(results: Path) -> Options:
    return Options(
        results_dir=results, time_scale=TIME_SCALE, lock_seconds=30, poll=0.03, on_event=lambda _m: None
    )


def _baseline(kube: Kube, ns: str, strategy: str, router: str, results: Path) -> dict[str, object]:
    create_namespace(kube, ns)
    deploy(crash_spec(ns, strategy, router, "1.0.0"), kube, RunInfo("base"), opts=_options(results))
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


FEWER_WRITES = "fewer writes"


def _killed_run(
    handle: ApiServerHandle,
    driver: Driver,
    killer: Killer,
    strategy: str,
    router: str,
    k: int,
    tmp: Path,
    *,
    fail: bool,
) -> tuple[Kube, str, dict[str, object], str]:
    """A fresh namespace with the baseline, then the run killed at its write k (with `fail`, its
    rollback's): (client, namespace, the pre-run objects, a problem or "")."""
    ns = f"{_prefix(strategy, router, fail)}-{k}"
    kube = make_kube(handle)
    before = _baseline(kube, ns, strategy, router, tmp / ns)
    status = driver.deploy(killer, k, ns, strategy, router, tmp / ns / "crashed", fail=fail)
    what = "rollback write" if fail else "write"
    normal = RegressionDetected.exit_code if fail else 0
    if status == -signal.SIGKILL:
        return kube, ns, before, ""
    if status == normal and killer.counts[ns] < k:
        # This run wrote less than the counting run (a conflict retried there, not here): its
        # writes 1..count are enumerated by the other k; it must still have ended correctly.
        return kube, ns, before, FEWER_WRITES
    return kube, ns, before, f"{what} {k}: the run ended ({status}) before it"


def _iteration(
    handle: ApiServerHandle, driver: Driver, killer: Killer, strategy: str, router: str, k: int, tmp: Path
) -> str:
    kube, ns, before, problem = _killed_run(handle, driver, killer, strategy, router, k, tmp, fail=False)
    if problem == FEWER_WRITES:
        assert_promoted(kube, ns, before)
        return ""
    if problem:
        return problem
    assert_traffic_safe(kube, ns, strategy, router)
    opts = _options(tmp / ns / "rerun")
    result = deploy(crash_spec(ns, strategy, router, "2.0.0"), kube, RunInfo("run-crash"), scripted(), opts)
    assert result.record["outcome"] == "promoted", f"write {k}: {result.record['outcome']}"
    assert_promoted(kube, ns, before)
    assert_traffic_safe(kube, ns, strategy, router)
    return ""


@contextmanager
def _killing(handle: ApiServerHandle) -> Iterator[tuple[Killer, list[Driver]]]:
    """A Killer installed as the server's write hook and WORKERS fork servers, for one test."""
    killer = Killer()
    handle.faults.clear()
    handle.faults.write_hook = killer
    drivers = [Driver(handle) for _ in range(WORKERS)]
    try:
        yield killer, drivers
    finally:
        handle.faults.clear()
        for d in drivers:
            d.close()


def _enumerate(drivers: list[Driver], total: int, iteration: Callable[[Driver, int], str]) -> list[str]:
    """Run `iteration(driver, k)` for k = 1..total over the drivers; the problems found."""
    free: queue.Queue[Driver] = queue.Queue()
    for d in drivers:
        free.put(d)

    def one(k: int) -> str:
        driver = free.get()
        try:
            return iteration(driver, k)
        finally:
            free.put(driver)

    with ThreadPoolExecutor(max_workers=len(drivers)) as pool:
        return [p for p in pool.map(one, range(1, total + 1)) if p]


def _prefix(strategy: str, router: str, fail: bool) -> str:
    return f"crash-rb-{strategy.lower()}-{router.lower()}" if fail else f"crash-{strategy.lower()}"


def _count(
    handle: ApiServerHandle,
    killer: Killer,
    driver: Driver,
    strategy: str,
    router: str,
    tmp: Path,
    *,
    fail: bool,
) -> int:
    """One uninterrupted run (traffic checked before each of its writes): how many writes to enumerate."""
    kube = make_kube(handle)
    ns = f"{_prefix(strategy, router, fail)}-count"
    _baseline(kube, ns, strategy, router, tmp / ns)
    killer.checks[ns] = lambda: assert_traffic_safe(kube, ns, strategy, router)
    status = driver.deploy(killer, 10**9, ns, strategy, router, tmp / ns / "run", fail=fail)
    assert status == (RegressionDetected.exit_code if fail else 0), status
    assert not killer.violations, killer.violations
    return killer.counts[ns]


@pytest.mark.slow
@pytest.mark.parametrize(("strategy", "router"), CASES, ids=[f"{s}-{r}" for s, r in CASES])
def test_kill_at_every_write_then_rerun_converges(
    engine_cluster: ApiServerHandle, strategy: str, router: str, tmp_path: Path
) -> None:
    with _killing(engine_cluster) as (killer, drivers):
        # Enumerate: one uninterrupted run counts the writes (a k beyond the last write never fires).
        total = _count(engine_cluster, killer, drivers[0], strategy, router, tmp_path, fail=False)
        assert total >= 10, f"only {total} writes counted: is the hook seeing the engine's writes?"

        def iteration(driver: Driver, k: int) -> str:
            return _iteration(engine_cluster, driver, killer, strategy, router, k, tmp_path)

        problems = _enumerate(drivers, total, iteration)
        assert not problems, problems


def _rollback_iteration(
    handle: ApiServerHandle, driver: Driver, killer: Killer, strategy: str, router: str, k: int, tmp: Path
) -> str:
    """Deploy → analysis FAIL → rollback killed at its write k → `rollback` again → the pre-run objects."""
    kube, ns, before, problem = _killed_run(handle, driver, killer, strategy, router, k, tmp, fail=True)
    if problem == FEWER_WRITES:
        assert_restored(kube, ns, before)
        return ""
    if problem:
        return problem
    try:
        assert_traffic_safe(kube, ns, strategy, router)
        checker = make_kube(handle)  # the re-run's own writes are checked too, from the server's thread
        killer.checks[ns] = lambda: assert_traffic_safe(checker, ns, strategy, router)
        opts = _options(tmp / ns / "rerun")
        spec = crash_spec(ns, strategy, router, "2.0.0")
        if states.load(kube, ns, spec.metadata.name) is None:  # killed after the state was cleared
            with pytest.raises(ClusterError, match="no unfinished rollout"):
                rollback(spec, kube, RunInfo("run-crash"), opts)
        else:
            result = rollback(spec, kube, RunInfo("run-crash"), opts, reason="crash test")
            assert result.record["outcome"] == "rolled_back", result.record["outcome"]
            assert result.record["rollback"]["restored"], result.record["rollback"]
        assert_restored(kube, ns, before)
        assert_traffic_safe(kube, ns, strategy, router)
    except AssertionError as exc:
        return f"rollback write {k}: {exc}"
    finally:
        killer.checks.pop(ns, None)
    return ""


@pytest.mark.slow
@pytest.mark.parametrize(("strategy", "router"), ROLLBACK_CASES, ids=[f"{s}-{r}" for s, r in ROLLBACK_CASES])
def test_kill_at_every_rollback_write_then_rollback_converges(
    engine_cluster: ApiServerHandle, strategy: str, router: str, tmp_path: Path
) -> None:
    with _killing(engine_cluster) as (killer, drivers):
        total = _count(engine_cluster, killer, drivers[0], strategy, router, tmp_path, fail=True)
        writes = killer.log[f"{_prefix(strategy, router, True)}-count"]
        assert total >= 3, f"only {total} rollback writes counted: {writes}"

        def iteration(driver: Driver, k: int) -> str:
            return _rollback_iteration(engine_cluster, driver, killer, strategy, router, k, tmp_path)

        problems = _enumerate(drivers, total, iteration)
        assert not problems, (writes, problems)
        assert not killer.violations, killer.violations
