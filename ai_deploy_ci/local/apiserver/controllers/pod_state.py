"""What the kubelet remembers about one pod between passes (its own module so that the kubelet
and its container state machine both use it without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PodState:
    ip: str
    started: float  # cluster time the current container instance started
    restarts: int = 0
    next_start: float | None = None  # in back-off until then
    last_exit: int | None = None
    finished_at: float | None = None
