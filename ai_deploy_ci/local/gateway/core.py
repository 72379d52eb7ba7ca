"""What the gateway's handler threads share: the current route table (swapped whole), the rng,
counters, the mirror pool. Its own module so the listener and the gateway both depend on it and
not on each other."""

from __future__ import annotations

import itertools
import queue
import random
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ai_deploy_ci.local.gateway.objects import Target
from ai_deploy_ci.local.gateway.proxy import UpstreamError, forward
from ai_deploy_ci.local.gateway.table import RouteTable, Snapshot


class Stats:
    """Thread-safe counters: routed / mirrored / mirror_errors / upstream_errors / no_endpoints
    per target key (`ns/svc` or `ns/svc/subset`), no_route per status, mirror_dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, Counter[str]] = {}

    def count(self, counter: str, key: str, n: int = 1) -> None:
        with self._lock:
            self._counters.setdefault(counter, Counter())[key] += n

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: dict(c) for name, c in self._counters.items()}

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()


class MirrorPool:
    """Fire-and-forget copies: a bounded queue and a few workers; responses are read and dropped.
    A full queue drops the copy (counted), as a proxy under load would rather shed shadows."""

    def __init__(self, core: GatewayCore, workers: int = 4, capacity: int = 4096):
        self.core = core
        self.queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(capacity)
        self.threads = [
            threading.Thread(target=self._work, name=f"gateway-mirror-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self.threads:
            t.start()

    def submit(
        self,
        table: RouteTable,
        target: Target,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        shadow = dict(headers)
        host = next((k for k in shadow if k.lower() == "host"), "Host")
        shadow[host] = shadow.get(host, target.service) + "-shadow"  # as Envoy marks mirrored requests
        try:
            self.queue.put_nowait((table, target, method, path, shadow, body))
        except queue.Full:
            self.core.stats.count("mirror_dropped", target.key)

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            table, target, method, path, headers, body = item
            endpoints = table.endpoints(target)
            if not endpoints:
                self.core.stats.count("mirror_errors", target.key)
                continue
            try:
                upstream = forward(endpoints, self.core.next_index(target.key), method, path, headers, body)
                for _ in upstream.body:
                    pass
                self.core.stats.count("mirrored", target.key)
            except (UpstreamError, OSError):
                self.core.stats.count("mirror_errors", target.key)

    def stop(self) -> None:
        for _ in self.threads:
            try:
                self.queue.put_nowait(None)
            except queue.Full:
                break


class GatewayCore:
    """What handler threads share: the current table (swapped whole), rng, counters, mirrors."""

    def __init__(self, seed: int | None):
        self.table = RouteTable(Snapshot())
        self.rng = random.Random(seed)
        self.stats = Stats()
        self._round_robin: dict[str, itertools.count[int]] = {}
        self.mirrors = MirrorPool(self)

    def next_index(self, key: str) -> int:
        counter = self._round_robin.get(key)
        if counter is None:
            counter = self._round_robin.setdefault(key, itertools.count())
        return next(counter)
