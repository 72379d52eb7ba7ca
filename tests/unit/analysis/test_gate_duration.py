"""`onInconclusive: extend` really extends: an undecided gate loads on up to maxDuration."""

from __future__ import annotations

import pytest

from ai_deploy_ci.gates.load_and_judge import gate_duration
from ai_deploy_ci.spec.model import AnalysisSpec, Metric

P95 = Metric("p95", "latency", 0.95, max_increase=0.10, critical=True)


@pytest.mark.parametrize(
    ("policy", "step", "load", "expected"),
    [
        pytest.param("fail", 120.0, 60.0, 120.0, id="fail-uses-the-step"),
        pytest.param("fail", None, 60.0, 60.0, id="no-step-duration-uses-load-duration"),
        pytest.param("pass", 120.0, 60.0, 120.0, id="pass-uses-the-step"),
        pytest.param("extend", 120.0, 60.0, 300.0, id="extend-loads-on-to-max-duration"),
        pytest.param("extend", 400.0, 60.0, 400.0, id="extend-never-shortens-a-step"),
    ],
)
def test_gate_duration(policy: str, step: float | None, load: float, expected: float) -> None:
    spec = AnalysisSpec(metrics=(P95,), max_duration=300.0, on_inconclusive=policy)  # type: ignore[arg-type]
    assert gate_duration(spec, step, load) == expected
