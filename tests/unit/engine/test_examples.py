"""Every example deploy.yaml plans, and every object it would write validates against the schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.commands.deploy import load
from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan
from tests.unit.engine.schemas import validate

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_plans_validate(path: Path) -> None:
    spec, manifest = load(str(path))
    run = RunInfo("r", commit="0" * 40, pull_request=1)
    stable = objects.deployment(
        spec,
        ObservedState(run=run, manifest=manifest),
        name=spec.metadata.name,
        track="stable",
        replicas=spec.server.replicas,
        version="0",
    )
    plan = make_plan(spec, ObservedState(run=run, stable=stable, manifest=manifest))
    for step in plan.steps:
        for obj in (*step.apply, *step.route_objects):
            validate(obj)
