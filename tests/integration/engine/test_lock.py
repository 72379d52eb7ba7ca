"""Two simultaneous runs for one model: exactly one proceeds; the other fails naming the holder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import LockHeld
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import make_kube, objects_in
from tests.integration.engine.scenarios import baseline


def test_two_runs_one_model(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options, tmp_path: Path
) -> None:
    spec, _ = baseline(kube, namespace, options, "canary", "gatewayAPI")
    start = threading.Barrier(2)
    loser_done = threading.Event()
    outcomes: dict[str, object] = {}

    def hold(request: GateRequest) -> Verdict:
        loser_done.wait(timeout=30)  # the winner stays inside its run until the loser has been refused
        return Verdict.PASS

    def run(run_id: str) -> None:
        own = Options(
            results_dir=tmp_path / run_id,
            time_scale=options.time_scale,
            lock_seconds=5,
            poll=0.03,
            on_event=lambda _m: None,
        )
        start.wait()
        try:
            outcomes[run_id] = deploy(spec, make_kube(engine_cluster), RunInfo(run_id), hold, own).record[
                "outcome"
            ]
        except LockHeld as exc:
            outcomes[run_id] = exc
            loser_done.set()

    threads = [threading.Thread(target=run, args=(rid,)) for rid in ("run-alpha", "run-beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    refused = {rid: o for rid, o in outcomes.items() if isinstance(o, LockHeld)}
    assert len(refused) == 1, outcomes
    [(loser, error)] = refused.items()
    winner = next(rid for rid in outcomes if rid != loser)
    assert outcomes[winner] == "promoted"
    assert f"run {winner} is deploying sentiment" in str(error.message)
    assert not any(k.startswith("Lease/") for k in objects_in(kube, namespace)), "the lease outlived the run"


def test_expired_lease_is_taken_over(engine_cluster: ApiServerHandle, kube: Kube, namespace: str) -> None:
    from ai_deploy_ci.cluster.lock import Lock

    crashed = Lock(kube, namespace, "sentiment", "run-crashed", duration=1)
    crashed.acquire()  # and never renewed: its runner died
    with pytest.raises(LockHeld, match="run-crashed"):
        Lock(kube, namespace, "sentiment", "run-next", duration=1).acquire()
    import time

    time.sleep(1.2)
    Lock(kube, namespace, "sentiment", "run-next", duration=1).acquire()
    lease = kube.get(crashed.ref)
    assert lease is not None and lease["spec"]["holderIdentity"] == "run-next"
    assert lease["spec"]["leaseTransitions"] == 1


def test_a_live_holder_with_a_slow_clock_keeps_its_lease(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str
) -> None:
    """The holder's clock is an hour behind: every renewTime it writes looks expired to us. It is
    still renewing, so it keeps the lease; once it stops (its runner died), the lease is taken."""
    import time
    from datetime import UTC, datetime, timedelta

    from ai_deploy_ci.cluster.lock import Lock, _stamp

    skewed = Lock(kube, namespace, "sentiment", "run-skewed", duration=1)
    skewed.acquire()
    stop = threading.Event()

    def renew_with_a_slow_clock() -> None:  # what the holder's renewal thread writes
        live = kube.get(skewed.ref)
        assert live is not None
        live["spec"]["renewTime"] = _stamp(datetime.now(UTC) - timedelta(hours=1))
        kube.replace(live)

    renew_with_a_slow_clock()

    def keep_renewing() -> None:  # every third of the lease's duration, as `Lock` does
        while not stop.wait(1 / 3):
            renew_with_a_slow_clock()

    renewer = threading.Thread(target=keep_renewing, daemon=True)
    renewer.start()
    try:
        with pytest.raises(LockHeld, match="still being renewed: check the clocks"):
            Lock(kube, namespace, "sentiment", "run-next", duration=1).acquire()
    finally:
        stop.set()
        renewer.join(timeout=5)
    time.sleep(0.1)
    Lock(kube, namespace, "sentiment", "run-next", duration=1).acquire()  # dead now: taken over
    lease = kube.get(skewed.ref)
    assert lease is not None and lease["spec"]["holderIdentity"] == "run-next"
