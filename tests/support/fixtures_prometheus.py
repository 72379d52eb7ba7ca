"""pytest fixture: `prometheus_factory(targets)` → a real Prometheus (`ai_deploy_ci.local.prometheus`),
killed at teardown whatever happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ai_deploy_ci.local.prometheus import PrometheusProcess, free_port, start_prometheus

__all__ = ["PrometheusProcess", "free_port", "prometheus_factory", "start_prometheus"]


@pytest.fixture
def prometheus_factory(tmp_path: Path) -> Iterator[Callable[[list[str]], PrometheusProcess]]:
    started: list[PrometheusProcess] = []

    def start(targets: list[str]) -> PrometheusProcess:
        handle = start_prometheus(targets, tmp_path / f"prometheus-{len(started)}")
        started.append(handle)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            handle.stop()
