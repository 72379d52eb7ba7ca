"""The availability probe against the real sample server: healthy, then draining and gone."""

from __future__ import annotations

import time

import pytest

from ai_deploy_ci.load.availability import AvailabilityProbe
from tests.e2e.load.helpers import Factory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


def test_probe_sees_the_server_go_away(model_server_factory: Factory) -> None:
    server = model_server_factory(drain_timeout_s=0.5)
    probe = AvailabilityProbe(server.url, rate=20.0, timeout=1.0, path="/readyz").start()
    time.sleep(1.0)
    healthy = probe.counter.requests
    assert healthy >= 15 and probe.counter.failed == 0
    server.terminate()  # readiness turns 503, then the listener closes
    time.sleep(1.5)
    result = probe.stop()
    assert result["failed"] >= 15
    assert result["longest_failure_streak"] == result["failed"]  # it never came back
    assert result["longest_failure_seconds"] >= 0.75  # 15+ probes at 20/s
    assert result["requests"] - result["failed"] >= healthy  # the healthy second all succeeded
