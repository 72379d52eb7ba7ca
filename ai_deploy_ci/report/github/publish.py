"""Put the report where reviewers look: job summary, outputs, annotations, PR comment, deployment.

Reporting must never be why a job fails: each destination is tried on its own and a failure
becomes a `::warning::` (unless `AI_DEPLOY_CI_REPORT_STRICT=true`, for our own tests and
for users who want it). The summary is always written; the comment only on a PR whose
token can write; tag pushes and manual runs get the summary and a notice.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ai_deploy_ci.errors import annotation
from ai_deploy_ci.report.github import comment as sticky
from ai_deploy_ci.report.github import deployments
from ai_deploy_ci.report.github.annotations import metric_annotations
from ai_deploy_ci.report.github.client import GitHubClient, GitHubError, RetryPolicy, Secret
from ai_deploy_ci.report.github.context import GitHubContext, from_env
from ai_deploy_ci.report.github.outputs import write_outputs
from ai_deploy_ci.report.github.summary import append_summary
from ai_deploy_ci.report.inputs import Results, get, load_results, objects
from ai_deploy_ci.report.render import render_blocks
from ai_deploy_ci.report.sections import headline_state
from ai_deploy_ci.report.trim import COMMENT_LIMIT, SUMMARY_LIMIT, trim, utf8_bytes
from ai_deploy_ci.spec.model import ReportOptions, Spec

REPORT_FILE = "report.md"
FORK_HELP = (
    "the token of a fork pull request is read-only; the report is in the job summary "
    "(README: 'Fork pull requests' shows the workflow_run pattern that can comment)"
)


@dataclass
class PublishResult:
    markdown: str = ""  # the full report (job-summary size)
    comment_body: str | None = None  # what was (or would have been) posted
    comment: sticky.CommentResult | None = None
    summary_written: bool = False
    report_path: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    annotations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    deployment_id: int | None = None


class _Publisher:
    def __init__(self, ctx: GitHubContext, out: TextIO, strict: bool) -> None:
        self.ctx, self.out, self.strict = ctx, out, strict
        self.result = PublishResult()

    def say(self, level: str, message: str) -> None:
        (self.result.warnings if level == "warning" else self.result.notices).append(message)
        line = annotation(level, message) if self.ctx.in_actions else f"{level}: {message}"
        print(line, file=self.out, flush=True)

    def attempt(self, what: str, action: Callable[[], None]) -> None:
        """Run one destination; turn its failure into a warning (or re-raise when strict)."""
        try:
            action()
        except GitHubError as exc:
            if self.strict:
                raise
            hint = f" — {FORK_HELP}" if exc.status == 403 and exc.forbidden else ""
            self.say("warning", f"could not {what}: {exc}{hint}")
        except Exception as exc:
            if self.strict:
                raise
            self.say("warning", f"could not {what}: {type(exc).__name__}: {exc}")


def publish(
    results_dir: Path,
    *,
    env: Mapping[str, str] = os.environ,
    spec: Spec | None = None,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    policy: RetryPolicy | None = None,
) -> PublishResult:
    """Render `results_dir` and publish it according to the Actions environment in `env`."""
    ctx = from_env(env)
    stream = out or sys.stdout
    strict = env.get("AI_DEPLOY_CI_REPORT_STRICT", "").lower() in ("1", "true", "yes")
    token = Secret(env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB_TOKEN") or "")
    if token and ctx.in_actions:
        print(f"::add-mask::{token.reveal()}", file=stream, flush=True)
    opts = spec.report if spec is not None else ReportOptions()
    target = env.get("AI_DEPLOY_CI_TARGET") or opts.target
    p = _Publisher(ctx, stream, strict)
    r = p.result
    results = load_results(Path(results_dir))
    render_ctx = ctx.render_context(target, env.get("AI_DEPLOY_CI_ARTIFACT_URL") or opts.artifact_url)
    blocks = render_blocks(results, spec=spec, context=render_ctx)
    r.markdown, _ = trim(blocks, SUMMARY_LIMIT, measure=utf8_bytes)
    mark = sticky.marker(target)
    r.comment_body, dropped = trim(blocks, COMMENT_LIMIT, prefix=mark + "\n")
    if dropped:
        p.say(
            "notice",
            "the PR comment left out: " + ", ".join(dropped) + " (too long); the job summary has them",
        )

    def write_report() -> None:
        r.report_path = Path(results_dir) / REPORT_FILE
        r.report_path.write_text(r.markdown, encoding="utf-8")

    p.attempt("write report.md", write_report)
    if ctx.step_summary and opts.summary:

        def summary() -> None:
            append_summary(ctx.step_summary, blocks)  # type: ignore[arg-type]
            r.summary_written = True

        p.attempt("write the job summary", summary)
    if ctx.in_actions:
        r.annotations = metric_annotations(
            results.verdict, spec.source if spec and spec.source else "deploy.yaml"
        )
        for line in r.annotations:
            print(line, file=stream, flush=True)
    client = GitHubClient(ctx.api_url, token, sleep=sleep, policy=policy, log=lambda s: print(s, file=stream))
    with client:
        _comment(p, client, ctx, opts, target, bool(token))
        if ctx.tag and token and ctx.repository:
            p.attempt("record the deployment", lambda: _deployment(p, client, ctx, results, target))
    r.outputs = outputs_for(results, r)
    if ctx.output:
        p.attempt("write step outputs", lambda: write_outputs(ctx.output, r.outputs))  # type: ignore[arg-type]
    return r


def _comment(
    p: _Publisher,
    client: GitHubClient,
    ctx: GitHubContext,
    opts: ReportOptions,
    target: str,
    have_token: bool,
) -> None:
    if not opts.comment:
        return
    if ctx.pr_number is None:
        if ctx.in_actions:
            why = f"a push of tag {ctx.tag}" if ctx.tag else f"a {ctx.event_name or 'run'} event"
            p.say("notice", f"no pull request for {why}: the report is in the job summary only")
        return
    if ctx.is_fork:
        p.say("warning", f"not commenting on PR #{ctx.pr_number}: {FORK_HELP}")
        return
    if not have_token or not ctx.repository:
        p.say("warning", "not commenting: GITHUB_TOKEN (with pull-requests: write) is not set")
        return

    def post() -> None:
        assert ctx.repository is not None and ctx.pr_number is not None and p.result.comment_body is not None
        p.result.comment = sticky.upsert_comment(
            client, ctx.repository, ctx.pr_number, p.result.comment_body, target=target
        )

    p.attempt(f"comment on PR #{ctx.pr_number}", post)


def _deployment(
    p: _Publisher, client: GitHubClient, ctx: GitHubContext, results: Results, target: str
) -> None:
    assert ctx.repository is not None and ctx.tag is not None
    outcome = get(results.rollout, "outcome", str) or ""
    state = deployments.OUTCOME_STATE.get(outcome, "error")
    dep = deployments.create_deployment(
        client, ctx.repository, ref=ctx.tag, environment=target, description=f"ai-deploy-ci {ctx.tag}"
    )
    deployments.set_status(
        client,
        ctx.repository,
        dep,
        state,
        environment=target,
        log_url=ctx.run_url,
        description=f"{outcome or 'no outcome'}",
    )
    p.result.deployment_id = dep


def outputs_for(results: Results, r: PublishResult) -> dict[str, str]:
    """Step outputs: the verdict, the outcome, the first failing metric, where the report is."""
    icon, words = headline_state(results)
    out = {
        "verdict": get(results.verdict, "verdict", str) or "NONE",
        "outcome": get(results.rollout, "outcome", str) or "",
        "headline": f"{icon} {words}",
        "reason": get(results.verdict, "reason", str) or "",
    }
    failing = [c for c in objects(get(results.verdict, "checks", list)) if get(c, "verdict", str) == "FAIL"]
    out["failed-metrics"] = "\n".join(get(c, "metric", str, "?") for c in failing)
    if failing and get(failing[0], "change_pct", (int, float)) is not None:
        out["worst-change-pct"] = f"{float(failing[0]['change_pct']):.2f}"
    if r.report_path:
        out["report-path"] = str(r.report_path)
    if r.comment:
        out["comment-id"] = str(r.comment.id)
        out["comment-url"] = r.comment.url or ""
    return out
