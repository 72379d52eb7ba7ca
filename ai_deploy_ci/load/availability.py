"""Zero-downtime evidence: steady requests to the public endpoint for the whole rollout.

A thread in the CLI process (no Locust, no gevent) sends `rate` requests per second on a fixed
schedule with plain `http.client`, a new connection each time, so a pod that is gone is seen as
gone rather than hidden behind a pooled keep-alive socket. It counts failures and the longest
run of consecutive failures, in requests and in seconds.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ai_deploy_ci.artifacts import Availability


@dataclass
class StreakCounter:
    """Pure bookkeeping of probe outcomes; `record(ok, t)` with t in monotonic seconds.

    A streak's length in seconds runs from its first failed probe to its last, plus one probe
    interval (each probe stands for that much time), so a single failure at 5/s counts 0.2 s.
    """

    interval: float = 0.0
    requests: int = 0
    failed: int = 0
    streak: int = 0
    streak_start: float | None = None
    longest: int = 0
    longest_seconds: float = 0.0
    last_t: float = field(default=0.0)

    def record(self, ok: bool, t: float) -> None:
        self.requests += 1
        self.last_t = t
        if ok:
            self.streak, self.streak_start = 0, None
            return
        self.failed += 1
        if self.streak == 0:
            self.streak_start = t
        self.streak += 1
        self.longest = max(self.longest, self.streak)
        assert self.streak_start is not None
        self.longest_seconds = max(self.longest_seconds, t - self.streak_start + self.interval)


class AvailabilityProbe:
    """`start()`, then `stop() -> Availability`. `url` is the endpoint's base URL."""

    def __init__(self, url: str, rate: float = 5.0, timeout: float = 2.0, path: str = "/readyz",
                 headers: dict[str, str] | None = None, method: str = "GET",
                 body: bytes | None = None) -> None:
        if rate <= 0:
            raise ValueError("probe rate must be positive")
        self.url = url.rstrip("/")
        self.path = path if path.startswith("/") else "/" + path
        self.rate = rate
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.method, self.body = method, body  # a real inference request (POST + payload), or a GET
        self.counter = StreakCounter(interval=1.0 / rate)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> AvailabilityProbe:
        self._thread = threading.Thread(target=self._loop, name="availability-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Availability:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 2.0)
        with self._lock:
            c = self.counter
            return Availability(url=self.url + self.path, requests=c.requests, failed=c.failed,
                                longest_failure_streak=c.longest,
                                longest_failure_seconds=round(c.longest_seconds, 3))

    def probe_once(self) -> bool:
        """One request (GET, or the configured inference POST); success is a 2xx/3xx answer in time."""
        parts = urlsplit(self.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout)
        try:
            conn.request(self.method, (parts.path.rstrip("/") or "") + self.path, body=self.body,
                         headers=self.headers)
            resp = conn.getresponse()
            resp.read()
            return 200 <= resp.status < 400
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def _loop(self) -> None:
        interval = 1.0 / self.rate
        due = time.monotonic()
        while not self._stop.is_set():
            ok = self.probe_once()
            with self._lock:
                self.counter.record(ok, time.monotonic())
            due += interval
            wait = due - time.monotonic()
            if wait < 0:  # a slow probe: do not burst to catch up
                due = time.monotonic()
                wait = 0.0
            self._stop.wait(wait)
