"""Deploy in one job, stop at `pause: {}`, promote in another (examples/workflows/manual-promote.yml)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.action_runner.act import ActRunner
from tests.support.fixtures_actions import REPO_ROOT, PipelineEnv, quick_spec

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_deploy_job_pauses_then_the_manual_promote_workflow_finishes(
        pipeline_env: PipelineEnv, act_runner_factory: Callable[..., ActRunner]) -> None:
    doc = quick_spec("v2")
    doc["strategy"]["canary"]["steps"] = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 100}]
    (pipeline_env.workspace / "deploy").mkdir()
    pipeline_env.write_spec(doc, "deploy/production.yaml")

    deploy = act_runner_factory(pipeline_env.workspace).run_action(
        REPO_ROOT / "actions" / "deploy",
        {"deploy-file": "deploy/production.yaml", "kubeconfig": pipeline_env.kubeconfig})
    assert deploy.ok, deploy.text[-3000:]
    assert deploy.outputs["outcome"] == "paused"

    runner = act_runner_factory(pipeline_env.workspace, event_name="workflow_dispatch",
                                secrets={"PRODUCTION_KUBECONFIG": pipeline_env.kubeconfig})
    workflow = REPO_ROOT / "examples" / "workflows" / "manual-promote.yml"
    skipped = runner.run_job(workflow, "rollback", inputs={"action": "promote"})
    assert skipped.outcome == "skipped"  # the job's `if:` picks the chosen action
    promote = runner.run_job(workflow, "promote", inputs={"action": "promote"})
    assert promote.ok, promote.text[-3000:]
    assert "promoted" in promote.text
