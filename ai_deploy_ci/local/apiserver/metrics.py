"""A resource-metrics stand-in for the HPA controller: what metrics-server would report.

There is no kubelet cgroup to measure here, so tests (and the demo) set the average utilisation of
a workload's pods directly: `api.metrics.set_utilization(ns, "sentiment", "cpu", 160)` means its
pods use 160 % of their CPU request, as `metrics.k8s.io` PodMetrics averaged by the HPA's
`GetResourceUtilizationRatio` would give. Unset means "no metrics", which the HPA reports as
`ScalingActive=False` (FailedGetResourceMetric), as with a cluster whose metrics-server is absent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class MetricsStandIn:
    """Thread-safe (namespace, workload name, resource) → average utilisation in percent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str, str], float] = {}
        self.changed: Callable[[], None] = lambda: None  # set by the controller manager: wake it

    def set_utilization(self, namespace: str, workload: str, resource: str, percent: float | None) -> None:
        with self._lock:
            if percent is None:
                self._values.pop((namespace, workload, resource), None)
            else:
                self._values[(namespace, workload, resource)] = float(percent)
        self.changed()

    def utilization(self, namespace: str, workload: str, resource: str) -> float | None:
        with self._lock:
            return self._values.get((namespace, workload, resource))
