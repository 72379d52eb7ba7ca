from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ai_deploy_ci.load.availability import AvailabilityProbe, StreakCounter


def test_streak_counter() -> None:
    c = StreakCounter(interval=0.2)
    for ok, t in [(True, 0.0), (False, 0.2), (False, 0.4), (False, 0.6), (True, 0.8), (False, 1.0)]:
        c.record(ok, t)
    assert (c.requests, c.failed, c.longest) == (6, 4, 3)
    assert c.longest_seconds == pytest.approx(0.6)  # 0.2 → 0.6 plus one interval


class _Flaky(BaseHTTPRequestHandler):
    down = threading.Event()

    def do_GET(self) -> None:
        code = 503 if self.down.is_set() else 200
        self.send_response(code)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        _Flaky.down.clear()


def test_probe_counts_an_outage(flaky_server: str) -> None:
    probe = AvailabilityProbe(flaky_server, rate=40.0, timeout=1.0, path="readyz").start()
    time.sleep(0.3)
    _Flaky.down.set()
    time.sleep(0.3)
    _Flaky.down.clear()
    time.sleep(0.3)
    result = probe.stop()
    assert result["url"] == flaky_server + "/readyz"
    assert result["requests"] >= 20
    assert 5 <= result["failed"] <= 18
    assert result["longest_failure_streak"] == result["failed"]  # one outage, one streak
    assert 0.15 <= result["longest_failure_seconds"] <= 0.5


def test_probe_against_nothing_fails_every_request() -> None:
    probe = AvailabilityProbe("http://127.0.0.1:9", rate=20.0, timeout=0.5).start()
    time.sleep(0.3)
    result = probe.stop()
    assert result["requests"] > 0 and result["failed"] == result["requests"]
