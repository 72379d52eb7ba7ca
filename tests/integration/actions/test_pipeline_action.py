"""The root action (`uses: ai-deploy-ci/ai-deploy-ci@…`) end to end under act (nektos/act).

Real processes throughout: the action installs the tool into a venv with the real install
script, `ai-deploy-ci run` drives the local API server (whose kubelet runs sample model
servers), Locust loads baseline and candidate through the gateway, the judge decides, and the
report step talks to the GitHub API stand-in over HTTP.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.action_runner.act import ActRunner
from tests.support.fixtures_actions import REPO_ROOT, PipelineEnv, quick_spec

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

REPO = "acme/models"


def pr_event(number: int) -> dict[str, Any]:
    return {"number": number, "repository": {"full_name": REPO},
            "pull_request": {"number": number,
                             "head": {"sha": "a" * 40, "repo": {"full_name": REPO, "fork": False}}}}


def pr_runner(env: PipelineEnv, factory: Callable[..., ActRunner], number: int = 7) -> ActRunner:
    return factory(env.workspace, token=env.github.write_token, event_name="pull_request",
                   event=pr_event(number), repository=REPO, api_url=env.github.url)


def deployments(env: PipelineEnv) -> dict[str, Any]:
    from kubernetes import client

    apps = client.AppsV1Api(env.cluster.api_client())
    return {str(d.metadata.name): d for d in apps.list_namespaced_deployment("default").items if d.metadata}


def test_regression_rolls_back_fails_the_action_and_the_comment_says_why(
        pipeline_env: PipelineEnv, act_runner_factory: Callable[..., ActRunner]) -> None:
    pipeline_env.write_spec(quick_spec("v2-slow", extra_latency_ms=60))
    runner = pr_runner(pipeline_env, act_runner_factory)
    result = runner.run_action(REPO_ROOT, {"kubeconfig": pipeline_env.kubeconfig})

    assert result.outcome == "failure", result.text[-3000:]
    assert result.outputs["exit-code"] == "4"
    assert result.outputs["verdict"] == "FAIL" and result.outputs["outcome"] == "rolled_back"
    assert float(result.outputs["p95-change"]) > 30
    assert "Success - Main Report (PR comment" in result.text
    assert "Success - Main Remove the kubeconfig" in result.text
    [comment] = pipeline_env.github.comments(REPO, 7)
    body = comment["body"]
    assert "p95-latency" in body and "rolled back" in body.lower()
    assert pipeline_env.github.write_token not in result.text  # the token is masked in the logs
    assert set(deployments(pipeline_env)) == {"demo"}  # the candidate is gone, stable untouched
    assert deployments(pipeline_env)["demo"].metadata.labels.get("version", "v1") == "v1"


def test_pr_check_example_promotes_a_good_candidate(
        pipeline_env: PipelineEnv, act_runner_factory: Callable[..., ActRunner]) -> None:
    """examples/workflows/pr-check.yml as written (secrets, `uses: ai-deploy-ci/ai-deploy-ci@sha`)."""
    (pipeline_env.workspace / "deploy").mkdir()
    pipeline_env.write_spec(quick_spec("v2"), "deploy/staging.yaml")
    runner = act_runner_factory(pipeline_env.workspace, token=pipeline_env.github.write_token,
                                secrets={"STAGING_KUBECONFIG": pipeline_env.kubeconfig},
                                event_name="pull_request", event=pr_event(7),
                                repository=REPO, api_url=pipeline_env.github.url)
    result = runner.run_job(REPO_ROOT / "examples" / "workflows" / "pr-check.yml", "canary")

    assert result.ok, result.text[-3000:]
    deploy = result.step("deploy")
    assert deploy["outputs"]["outcome"] == "promoted" and deploy["outputs"]["verdict"] == "PASS"
    [comment] = pipeline_env.github.comments(REPO, 7)
    assert "promoted" in comment["body"].lower()
    assert "## " in result.summary  # the job summary was written
    assert (runner.artifact_dir / "ai-deploy-ci-results" / "rollout.json").is_file()
    labels = deployments(pipeline_env)["demo"].spec.template.metadata.labels
    assert labels["version"] == "pr-7-" + "a" * 40  # the example's `version:` input, now stable


def test_runner_killed_mid_canary_then_the_next_run_recovers(
        pipeline_env: PipelineEnv, act_runner_factory: Callable[..., ActRunner]) -> None:
    spec = quick_spec("v2")
    # What is tested is the recovery; an undecided 16 s gate on a busy machine is the judge's
    # business (tested elsewhere): only a FAIL may stop this run.
    spec["analysis"]["onInconclusive"] = "pass"
    pipeline_env.write_spec(spec)
    runner = pr_runner(pipeline_env, act_runner_factory)
    doc = {"on": "pull_request", "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": [
        {"uses": "actions/checkout@v4"},
        {"id": "action", "uses": f"ai-deploy-ci/ai-deploy-ci@{'0' * 40}",
         "with": {"kubeconfig": pipeline_env.kubeconfig}}]}}}
    proc, run_dir = runner.start(doc, "action")
    try:
        deadline = time.monotonic() + 240
        while True:  # the canary is live and under load
            live = runner.live_workspace(run_dir)
            if live is not None and (live / "ai-deploy-ci-results" / "gates" / "1").is_dir():
                break
            assert proc.poll() is None, "the runner ended before the canary's gate"
            assert time.monotonic() < deadline, "the canary never reached its gate"
            time.sleep(0.2)
        time.sleep(2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the VM is gone: act, bash, the CLI and Locust
        proc.wait(timeout=10)
    assert "demo-candidate" in deployments(pipeline_env)  # the crash left the canary behind

    result = runner.run_action(REPO_ROOT, {"kubeconfig": pipeline_env.kubeconfig})
    assert result.ok, result.text[-3000:]
    assert result.outputs["outcome"] == "promoted"
    assert "demo-candidate" not in deployments(pipeline_env)


def test_release_example_on_a_tag_posts_to_the_jobs_own_deployment(
        pipeline_env: PipelineEnv, act_runner_factory: Callable[..., ActRunner]) -> None:
    """examples/workflows/release.yml on a tag push: promoted; the job's `environment: production`
    made GitHub create a deployment, so ours are statuses on it (in_progress, then success)."""
    (pipeline_env.workspace / "deploy").mkdir()
    pipeline_env.write_spec(quick_spec("v2"), "deploy/production.yaml")
    runner = act_runner_factory(pipeline_env.workspace, token=pipeline_env.github.write_token,
                                secrets={"PRODUCTION_KUBECONFIG": pipeline_env.kubeconfig},
                                event_name="push", event={"ref": "refs/tags/model-v2.0.0"},
                                repository=REPO, api_url=pipeline_env.github.url)
    state = pipeline_env.github.state
    job = state.add_deployment(REPO, "model-v2.0.0", "production", sha=runner.head_sha())  # GitHub's
    state.add_status(job, "in_progress", log_url="https://github.com/acme/models/actions/runs/1/job/1")
    result = runner.run_job(REPO_ROOT / "examples" / "workflows" / "release.yml", "release")

    assert result.ok, result.text[-3000:]
    assert result.step("release")["outputs"]["outcome"] == "promoted"
    assert list(state.deployments) == [job["id"]]  # one deployment per release, not two
    assert job["production_environment"] is True
    statuses = [s["state"] for s in state.statuses[job["id"]]]  # newest first
    assert statuses == ["success", "in_progress", "in_progress"]
