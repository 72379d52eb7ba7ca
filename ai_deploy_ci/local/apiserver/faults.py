"""Fault knobs: make the local cluster misbehave the way real clusters do, on purpose.

All knobs are thread-safe and take effect on the next request or controller pass; `clear()` resets.
Pod-level faults select pods by image prefix and/or labels (all given labels must match).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WriteRequest:
    """What the write hook sees for each mutating API request, before it is committed."""

    verb: str  # create | update | patch | delete | deletecollection
    resource: str  # plural, with "/subresource" for subresource writes (e.g. "deployments/status")
    namespace: str
    name: str
    count: int  # mutating API requests so far, this one included (1-based)
    body: bytes = b""  # the request body as sent (empty for a delete without options)


@dataclass
class PodFault:
    kind: str  # never_ready | crash_loop | image_pull
    image: str | None
    labels: dict[str, str]
    exit_code: int = 1

    def matches(self, pod: dict[str, Any]) -> bool:
        labels = pod.get("metadata", {}).get("labels") or {}
        if any(labels.get(k) != v for k, v in self.labels.items()):
            return False
        if self.image is None:
            return True
        return any(
            str(c.get("image", "")).startswith(self.image) for c in pod.get("spec", {}).get("containers", [])
        )


@dataclass
class HttpFault:
    verb: str  # get | list | watch | create | update | patch | delete | deletecollection | * (any)
    resource: str  # plural (any subresource) or "plural/sub", or "*"
    status: int | str  # 429 | 500 | 503 | ... or "timeout"
    rate: float = 1.0
    nth: int | None = None  # fire only on the Nth matching call (1-based)
    times: int | None = None  # fire at most this many times
    retry_after: int = 1
    hang: float = 3.0  # wall seconds a "timeout" fault stalls before dropping the connection
    seen: int = 0
    fired: int = 0

    def matches(self, verb: str, resource: str) -> bool:
        return self.verb in ("*", verb) and (
            self.resource in ("*", resource) or resource.split("/")[0] == self.resource
        )


@dataclass
class Faults:
    """The knobs; see docs/local-cluster.md. `write_hook(WriteRequest)` may raise to fail the write (500)."""

    write_hook: Callable[[WriteRequest], None] | None = None
    _pod: list[PodFault] = field(default_factory=list)
    _http: list[HttpFault] = field(default_factory=list)
    _latency: list[tuple[str, str, float]] = field(default_factory=list)
    _deny: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(default_factory=lambda: random.Random(0))
    writes: int = 0

    def never_ready(self, image: str | None = None, labels: dict[str, str] | None = None) -> None:
        """Matching pods run but their readiness never succeeds."""
        self._pod.append(PodFault("never_ready", image, dict(labels or {})))

    def crash_loop(
        self, image: str | None = None, labels: dict[str, str] | None = None, exit_code: int = 1
    ) -> None:
        """Matching pods' containers exit at once, restart with back-off: CrashLoopBackOff, BackOff Events."""
        self._pod.append(PodFault("crash_loop", image, dict(labels or {}), exit_code))

    def image_pull_error(self, image: str | None = None, labels: dict[str, str] | None = None) -> None:
        """Matching pods never start: ErrImagePull then ImagePullBackOff, Failed/BackOff Events."""
        self._pod.append(PodFault("image_pull", image, dict(labels or {})))

    def pod_fault(self, pod: dict[str, Any]) -> PodFault | None:
        with self._lock:
            return next((f for f in self._pod if f.matches(pod)), None)

    def inject(
        self,
        verb: str,
        resource: str,
        status: int | str = 500,
        *,
        rate: float = 1.0,
        nth: int | None = None,
        times: int | None = None,
        retry_after: int = 1,
        hang: float = 3.0,
    ) -> None:
        """Fail matching requests with `status` (429 adds Retry-After; "timeout" stalls `hang` wall seconds,
        then drops the connection without a response)."""
        with self._lock:
            self._http.append(HttpFault(verb, resource, status, rate, nth, times, retry_after, hang))

    def latency(self, seconds: float, verb: str = "*", resource: str = "*") -> None:
        """Add wall-clock delay before matching requests are served."""
        with self._lock:
            self._latency.append((verb, resource, seconds))

    def deny(self, verb: str, resource: str, group: str = "", namespace: str | None = None) -> None:
        """SelfSubjectAccessReviews for this verb/resource (group, namespace or any) answer allowed=false."""
        with self._lock:
            self._deny.append((verb, resource, group, namespace))

    def clear(self) -> None:
        with self._lock:
            self._pod.clear()
            self._http.clear()
            self._latency.clear()
            self._deny.clear()
            self.write_hook = None

    def http_fault(self, verb: str, resource: str) -> HttpFault | None:
        """The fault to apply to this request, if any (counts calls for `nth`)."""
        with self._lock:
            for f in self._http:
                if not f.matches(verb, resource):
                    continue
                f.seen += 1
                if f.times is not None and f.fired >= f.times:
                    continue
                if (f.nth is not None and f.seen != f.nth) or (
                    f.nth is None and self._rng.random() >= f.rate
                ):
                    continue
                f.fired += 1
                return f
        return None

    def delay(self, verb: str, resource: str) -> float:
        with self._lock:
            return sum(
                s
                for v, r, s in self._latency
                if v in ("*", verb) and (r in ("*", resource) or resource.split("/")[0] == r)
            )

    def denied(self, verb: str, resource: str, group: str, namespace: str | None) -> bool:
        with self._lock:
            return any(
                v in ("*", verb) and r in ("*", resource) and g in ("*", group) and ns in (None, namespace)
                for v, r, g, ns in self._deny
            )

    def before_write(self, verb: str, resource: str, namespace: str, name: str, body: bytes = b"") -> None:
        with self._lock:
            self.writes += 1
            count = self.writes
        hook = self.write_hook
        if hook is not None:
            hook(WriteRequest(verb, resource, namespace, name, count, body))
