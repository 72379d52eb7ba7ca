"""The release side of publishing: open the GitHub deployment when a release rollout starts.

`publish` posts the final status at the end; this posts `in_progress` at the beginning, so the
repository's Environments page shows a release as running while it is.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from ai_deploy_ci.report.github import deployments
from ai_deploy_ci.report.github.client import GitHubClient, RetryPolicy
from ai_deploy_ci.report.github.context import from_env
from ai_deploy_ci.report.github.outputs import write_outputs
from ai_deploy_ci.report.github.publish import (
    Publisher,
    existing_deployment,
    is_strict,
    release_ref,
    token_from,
)


def start_deployment(
    *,
    env: Mapping[str, str] = os.environ,
    target: str = "staging",
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    policy: RetryPolicy | None = None,
) -> int | None:
    """In `mode: release`, before the rollout: status `in_progress` on the job's deployment, or
    on one made here (see `deployments`).

    Returns its id and writes it as the `deployment-id` step output; None (quietly) when the
    run is not a release. Like `publish`, failures are warnings unless strict.
    """
    ctx = from_env(env)
    ref = release_ref(ctx, env)
    if not (ref and ctx.repository and (env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB_TOKEN"))):
        return None
    stream = out or sys.stdout
    token = token_from(env, ctx, stream)
    p = Publisher(ctx, stream, is_strict(env), env)
    repo, environment = ctx.repository, env.get("AI_DEPLOY_CI_TARGET") or target

    def start() -> None:
        with GitHubClient(ctx.api_url, token, sleep=sleep, policy=policy) as client:
            p.result.deployment_id = deployments.start_release(
                client,
                repo,
                ref=ref,
                environment=environment,
                deployment_id=existing_deployment(client, ctx, env, environment),
                environment_url=env.get("AI_DEPLOY_CI_ENVIRONMENT_URL") or None,
                log_url=ctx.run_url,
            )
        if ctx.output:
            write_outputs(ctx.output, {"deployment-id": str(p.result.deployment_id)})

    p.attempt("start the deployment", start)
    return p.result.deployment_id
