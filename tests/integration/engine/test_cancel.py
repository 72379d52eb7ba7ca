"""Cancellation as a user sees it: SIGINT or SIGTERM (what GitHub sends a cancelled job) at a
random point of a canary, blue/green, A/B, shadow and rolling run.

An independent client sends requests through the user's entry point (the local gateway: the
HTTPRoute/VirtualService host, or the public Service) all along and records which version
answered. After the signal: no candidate answer is sent later than 1 s after it (the rolling
strategy updates stable in place, so there it is the end of the rollback), no request fails,
the process exits 128 + signal, rollout.json says `cancelled`, and the namespace equals its
pre-run dump (after a follow-up `rollback` if the run could not finish: none is needed here).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.pipeline import Options, deploy, rollback
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.observed import RunInfo
from tests.integration.engine.cancel_specs import CASES, HEADER, cancel_spec, host
from tests.integration.engine.conftest import CRDS, TIME_SCALE, create_namespace, make_kube, objects_in
from tests.integration.engine.scenarios import assert_restored

ROOT = Path(__file__).resolve().parents[3]
HOLD = 4.0  # wall seconds each gate of the signalled run takes
_ns = iter(range(10_000))


@dataclass
class Env:
    cluster: ApiServerHandle
    gateway: object


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    from ai_deploy_ci.local.gateway import Gateway

    cluster = start_api_server(nodes=2, gpus_per_node=0, time_scale=TIME_SCALE, crds=[
        CRDS / "gateway-api-httproute-v1.6.1-standard.yaml", CRDS / "istio-networking-1.30.3.yaml"])
    gateway = Gateway(cluster.api_client(), seed=3).start()
    try:
        yield Env(cluster, gateway)
    finally:
        gateway.stop()
        cluster.stop()


@dataclass
class Client:
    """A user: requests through the entry point, one at a time, recording (sent at, version)."""

    url: str
    headers: dict[str, str]
    ab_header: bool = False
    seen: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Client:
        threading.Thread(target=self._loop, daemon=True).start()
        return self

    def _loop(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            headers = {**self.headers, "Content-Type": "application/json"}
            if self.ab_header and n % 2:
                headers[HEADER[0]] = HEADER[1]
            req = urllib.request.Request(self.url + "/predict", data=b'{"text": "great"}', headers=headers)
            sent = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    self.seen.append((sent, resp.headers.get("x-model-version", "?")))
            except (urllib.error.URLError, OSError) as exc:
                self.seen.append((sent, f"error: {exc}"))
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()

    def versions(self, after: float = 0.0) -> set[str]:
        return {v for t, v in list(self.seen) if t >= after}


def entry_point(env: Env, ns: str, router: str, strategy: str) -> Client:
    gw = env.gateway
    if router == "service":
        deadline = time.monotonic() + 30
        while True:
            try:
                return Client(gw.service_url("sentiment", ns), {})  # type: ignore[attr-defined]
            except KeyError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    return Client(gw.public_url, {"Host": host(ns)}, ab_header=strategy == "abTest")  # type: ignore[attr-defined]


def options(results: Path) -> Options:
    return Options(results_dir=results, time_scale=TIME_SCALE, lock_seconds=30, poll=0.03,
                   on_event=lambda _m: None)


def wait_for(what: str, predicate: object, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def start_driver(
    env: Env, ns: str, strategy: str, router: str, results: Path, **extra: object
) -> subprocess.Popen[str]:
    job = {"kubeconfig": str(env.cluster.kubeconfig_path), "namespace": ns, "strategy": strategy,
           "router": router, "results": str(results), "hold": HOLD, "scale": TIME_SCALE, **extra}
    log = (results.parent / f"{results.name}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "tests.integration.engine.cancel_driver", json.dumps(job)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)


def baseline(
    env: Env, kube: Kube, ns: str, strategy: str, router: str, tmp: Path
) -> tuple[dict[str, object], Client]:
    create_namespace(kube, ns)
    deploy(cancel_spec(ns, strategy, router, "1.0.0"), kube, RunInfo("base"), opts=options(tmp / "base"))
    before = objects_in(kube, ns)
    client = entry_point(env, ns, router, strategy).start()
    wait_for("stable to answer through the entry point", lambda: "1.0.0" in client.versions())
    return before, client


@pytest.mark.e2e
@pytest.mark.timeout(240)
@pytest.mark.parametrize(("strategy", "sig"), [
    # one signal per strategy by default, alternating; the other half is the `slow` variant
    pytest.param(strategy, sig, id=f"{strategy}-{sig.name}",
                 marks=[pytest.mark.slow] if (i + j) % 2 else [])
    for i, strategy in enumerate(CASES) for j, sig in enumerate((signal.SIGINT, signal.SIGTERM))
])
def test_a_signal_takes_users_off_the_candidate_and_restores_the_namespace(
    env: Env, tmp_path: Path, strategy: str, sig: signal.Signals
) -> None:
    router = CASES[strategy]
    ns = f"cancel-{next(_ns)}-{strategy.lower()}"
    kube = make_kube(env.cluster)
    before, client = baseline(env, kube, ns, strategy, router, tmp_path)
    results = tmp_path / "results"
    state_ref = ObjectRef("v1", "ConfigMap", ns, states.state_name("sentiment"))
    rng = random.Random(f"{strategy}-{sig.name}-{time.time_ns()}")
    proc = start_driver(env, ns, strategy, router, results)
    try:
        wait_for("the run's first write", lambda: kube.get(state_ref) is not None)
        delay = rng.uniform(0.0, 3.0)
        time.sleep(delay)
        assert proc.poll() is None, "the run ended before the signal: lengthen HOLD"
        signalled = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        ended = time.monotonic()
        time.sleep(1.0)  # users keep using the model after the job ended
    finally:
        client.stop()
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "results.log").read_text()
    assert code == 128 + sig, f"exit {code} after {delay:.2f}s\n{log[-3000:]}"
    record = json.loads((results / "rollout.json").read_text())
    assert record["outcome"] == "cancelled", record
    late = ended if strategy == "rolling" else signalled + 1.0  # in place: stable's template rolls out again
    assert "2.0.0" not in client.versions(after=late), f"candidate answered {late - signalled:.2f}s on"
    failed = sorted(v for v in client.versions() if v.startswith("error"))
    assert not failed, f"user requests failed: {failed[:3]}"
    if kube.get(state_ref) is not None:  # the follow-up a user would run: finishes an interrupted rollback
        spec = cancel_spec(ns, strategy, router, "2.0.0")
        rollback(spec, kube, RunInfo("follow-up"), options(tmp_path / "fu"))
    assert_restored(kube, ns, before)
    if strategy != "rolling" and "rollback" in record:
        assert record["rollback"]["seconds_to_no_traffic"] < 1.0, record["rollback"]
        assert record["rollback"].get("writes_to_no_traffic", 0) <= 2, record["rollback"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ai_deploy_ci", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_reconcile_rolls_back_a_run_killed_mid_gate_once_past_its_deadline(env: Env, tmp_path: Path) -> None:
    """A lost runner (SIGKILL inside its first gate) leaves users on a 50 % candidate; `reconcile`
    leaves it alone while the deadline is ahead, then restores the pre-run namespace with zero
    failed user requests; `status` says what is live and that the rollout is abandoned."""
    from tests.integration.engine.scenarios import deploy_yaml

    ns = f"cancel-{next(_ns)}-reconcile"
    kube = make_kube(env.cluster)
    before, client = baseline(env, kube, ns, "canary", "gatewayAPI", tmp_path)
    results = tmp_path / "results"
    proc = start_driver(env, ns, "canary", "gatewayAPI", results, kill_in_gate=True, lock_seconds=3,
                        deadline_slack=1.0, run_id="run-lost")
    try:
        assert proc.wait(timeout=120) == -signal.SIGKILL, (tmp_path / "results.log").read_text()[-2000:]
        wait_for("users on the candidate", lambda: "2.0.0" in client.versions())
        deploy_file = deploy_yaml(tmp_path / "deploy.yaml", ns, "2.0.0", [{"setWeight": 50}])
        common = ["--kubeconfig", str(env.cluster.kubeconfig_path), "--results", str(tmp_path / "rc"),
                  "--time-scale", str(TIME_SCALE), "--run-id", "reconcile"]
        early = cli("reconcile", str(deploy_file), *common)
        assert early.returncode == 0 and "left alone" in early.stdout, early.stdout + early.stderr
        assert kube.get(ObjectRef("apps/v1", "Deployment", ns, "sentiment-candidate")) is not None

        def abandoned() -> bool:
            out = cli("status", str(deploy_file), *common, "--format", "json")
            assert out.returncode == 0, out.stderr
            status = json.loads(out.stdout)
            assert status["phase"] == "running" and status["candidate_version"] == "2.0.0", status
            return bool(status["abandoned"])

        wait_for("the run to be past its deadline", abandoned, timeout=150)
        late = cli("reconcile", str(deploy_file), *common)
        done = time.monotonic()
        assert late.returncode == 0 and "rolled back" in late.stdout, late.stdout + late.stderr
        time.sleep(1.0)
    finally:
        client.stop()
        if proc.poll() is None:
            proc.kill()
    assert "2.0.0" not in client.versions(after=done)
    assert not [v for v in client.versions() if v.startswith("error")], "user requests failed"
    assert_restored(kube, ns, before)


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_the_next_run_rolls_back_an_abandoned_rollout_before_its_own(env: Env, tmp_path: Path) -> None:
    """Another workflow run of the same deploy.yaml does not resume a lost runner's unjudged
    candidate once that run is past its deadline: it rolls it back first, then runs its own."""
    from tests.integration.engine.scenarios import assert_promoted

    ns = f"cancel-{next(_ns)}-next"
    kube = make_kube(env.cluster)
    before, client = baseline(env, kube, ns, "canary", "gatewayAPI", tmp_path)
    client.stop()
    proc = start_driver(env, ns, "canary", "gatewayAPI", tmp_path / "results", kill_in_gate=True,
                        lock_seconds=3, deadline_slack=1.0, run_id="run-lost")
    assert proc.wait(timeout=120) == -signal.SIGKILL
    spec = cancel_spec(ns, "canary", "gatewayAPI", "2.0.0")
    from ai_deploy_ci.pipeline.status import read_status

    wait_for("the run to be past its deadline", lambda: read_status(kube, spec)[0].abandoned, timeout=150)
    events: list[str] = []
    opts = options(tmp_path / "next")
    opts.on_event = events.append
    result = deploy(spec, kube, RunInfo("run-next"), opts=opts)
    assert result.record["outcome"] == "promoted"
    assert any("finishing the rollback of unfinished run run-lost" in e for e in events), events
    assert_promoted(kube, ns, before)


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_a_cancelled_later_job_leaves_a_paused_rollout_alone(env: Env, tmp_path: Path) -> None:
    """A rollout paused for approval stays paused when a later job for the same model is cancelled
    (here while it waits for a lease that looks expired): exit 130, `cancelled` before any change."""
    from tests.unit.engine.specs import approval_canary

    ns = f"cancel-{next(_ns)}-paused"
    kube = make_kube(env.cluster)
    _, client = baseline(env, kube, ns, "canary", "gatewayAPI", tmp_path)
    spec = approval_canary(cancel_spec(ns, "canary", "gatewayAPI", "2.0.0"))
    first = deploy(spec, kube, RunInfo("run-paused"), opts=options(tmp_path / "p"))
    assert first.record["outcome"] == "paused"
    paused = objects_in(kube, ns)
    kube.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": "sentiment-ai-deploy-ci", "namespace": ns},
                 "spec": {"holderIdentity": "someone", "leaseDurationSeconds": 30,
                          "renewTime": "2020-01-01T00:00:00.000000Z"}})
    proc = start_driver(env, ns, "canary", "gatewayAPI", tmp_path / "results", approval=True, run_id="later")
    try:
        log = tmp_path / "results.log"
        wait_for("the driver to start", lambda: "driver: deploying" in log.read_text())
        time.sleep(1.5)  # inside the lock's wait: the lease must be seen unchanged for a renewal period
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        client.stop()
    assert code == 130, (tmp_path / "results.log").read_text()[-2000:]
    assert json.loads((tmp_path / "results" / "rollout.json").read_text())["outcome"] == "cancelled"
    after = objects_in(kube, ns)
    after.pop("Lease/sentiment-ai-deploy-ci", None)
    assert_restored_to(after, paused)
    assert "2.0.0" in client.versions(), "the paused candidate kept its share"


def assert_restored_to(after: dict[str, object], expected: dict[str, object]) -> None:
    from ai_deploy_ci.plan.compare import diff_paths

    assert sorted(after) == sorted(expected)
    assert not {k: d for k in expected if (d := diff_paths(expected[k], after[k]))}
