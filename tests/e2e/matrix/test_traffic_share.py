"""What users get at every step: the candidate's share through the entry point, per example."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.local.environment import LocalEnvironment
from tests.e2e.matrix.cases import ship
from tests.e2e.matrix.users import failures

TOLERANCE = 20.0  # percentage points: > 3 standard deviations of a 60-request sample


@pytest.mark.e2e
@pytest.mark.parametrize("example", ["canary-replicas.yaml"])
def test_users_get_the_planned_share(env: LocalEnvironment, namespace: str, tmp_path: Path,
                                     example: str) -> None:
    shipped = ship(env, example, namespace, tmp_path)
    assert shipped.outcome == "promoted"
    assert shipped.steps, "the example has gates: each must have been measured"
    for m in shipped.steps:
        total = sum(m.public.values())
        share = 100.0 * m.public.get("v2", 0) / total
        assert abs(share - m.planned) <= TOLERANCE, (
            f"step {m.step}: users got {share:.0f} % from the candidate, the plan says {m.planned:g} % "
            f"({dict(m.public)})")
        assert m.public.get("failed", 0) == 0, f"step {m.step}: {dict(m.public)}"
    assert not failures(shipped.background), failures(shipped.background)[:5]
