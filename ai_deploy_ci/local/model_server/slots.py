"""A KV-cache-like saturation model: at most `max_concurrency` inference requests run at once,
the rest wait in FIFO order (a bounded queue when `max_queue` > 0), as vLLM's scheduler admits
sequences while KV-cache blocks are free and queues the others (`vllm:num_requests_waiting`).

With a service time T per request, the server sustains max_concurrency / T requests/s; beyond
that the queue grows and time to first token with it, which is the knee a capacity sweep finds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class QueueFull(Exception):
    """More requests waiting than `max_queue`: answered 503 right away."""


class Slots:
    """FIFO admission: `hold()` blocks until a slot is free and yields the perf_counter admit time."""

    def __init__(self, max_concurrency: int, max_queue: int = 0):
        self.limit = max_concurrency  # 0: unlimited (no queueing at all)
        self.max_queue = max_queue  # 0: unbounded
        self.running = 0
        self._waiting: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @contextmanager
    def hold(self) -> Iterator[float]:
        if self.limit <= 0:
            yield time.perf_counter()
            return
        turn: threading.Event | None = None
        with self._lock:
            if self.running < self.limit and not self._waiting:
                self.running += 1
            elif self.max_queue and len(self._waiting) >= self.max_queue:
                raise QueueFull(f"{len(self._waiting)} requests already waiting")
            else:
                turn = threading.Event()
                self._waiting.append(turn)
        if turn is not None:
            turn.wait()  # the releaser handed its slot to us: `running` already counts us
        try:
            yield time.perf_counter()
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # hand the slot over; running stays the same
            else:
                self.running -= 1
