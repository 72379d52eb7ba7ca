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


def wait_for(what: str, predicate: object, timeout: float = 30.0) -> None:
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
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("strategy", list(CASES))
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
