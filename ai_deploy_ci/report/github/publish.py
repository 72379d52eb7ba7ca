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
    comment_body: str | None = None  # what was (or would have been) posted, less its write-id line
    comment: sticky.CommentResult | None = None
    summary_written: bool = False
    report_path: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    annotations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    deployment_id: int | None = None


class Publisher:
    """Collects the result and turns each destination's failure into a warning."""

    def __init__(self, ctx: GitHubContext, out: TextIO, strict: bool, env: Mapping[str, str]) -> None:
        self.ctx, self.out, self.strict, self.env = ctx, out, strict, env
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


def is_strict(env: Mapping[str, str]) -> bool:
    return env.get("AI_DEPLOY_CI_REPORT_STRICT", "").lower() in ("1", "true", "yes")


def token_from(env: Mapping[str, str], ctx: GitHubContext, out: TextIO) -> Secret:
    """The token, masked for the runner's log before anything else can print it."""
    token = Secret(env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB_TOKEN") or "")
    if token and ctx.in_actions:
        print(f"::add-mask::{token.reveal()}", file=out, flush=True)
    return token


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
    strict = is_strict(env)
    token = token_from(env, ctx, stream)
    opts = spec.report if spec is not None else ReportOptions()
    target = env.get("AI_DEPLOY_CI_TARGET") or opts.target
    p = Publisher(ctx, stream, strict, env)
    r = p.result
    results = load_results(Path(results_dir))
    render_ctx = ctx.render_context(target, env.get("AI_DEPLOY_CI_ARTIFACT_URL") or opts.artifact_url)
    blocks = render_blocks(results, spec=spec, context=render_ctx)
    r.markdown, _ = trim(blocks, SUMMARY_LIMIT, measure=utf8_bytes)
    mark = sticky.marker(target)
    r.comment_body, dropped = trim(blocks, COMMENT_LIMIT - sticky.WRITE_TAG_ROOM, prefix=mark + "\n")
    if dropped:
        p.say(
            "notice",
            "the PR comment left out: " + ", ".join(dropped) + " (too long); the job summary has them",
        )

    def write_report() -> None:  # for the artifact: the Markdown and a page that opens anywhere
        from ai_deploy_ci.report.html import render_page  # markdown-it-py: only needed here

        r.report_path = Path(results_dir) / REPORT_FILE
        r.report_path.write_text(r.markdown, encoding="utf-8")
        r.report_path.with_suffix(".html").write_text(render_page(r.markdown), encoding="utf-8")

    p.attempt("write report.md and report.html", write_report)
    if ctx.step_summary and opts.summary:

        def summary() -> None:
            append_summary(ctx.step_summary, blocks)  # type: ignore[arg-type]
            r.summary_written = True

        p.attempt("write the job summary", summary)
    if ctx.in_actions:
        r.annotations = metric_annotations(results.verdict, spec_file(spec, ctx))
        for line in r.annotations:
            print(line, file=stream, flush=True)
    client = GitHubClient(ctx.api_url, token, sleep=sleep, policy=policy, log=lambda s: print(s, file=stream))
    with client:
        _comment(p, client, ctx, opts, target, bool(token), env.get("AI_DEPLOY_CI_COMMENT_AUTHOR") or None)
        if release_ref(ctx, env) and token and ctx.repository:
            p.attempt("record the deployment", lambda: _deployment(p, client, ctx, results, target))
    r.outputs = outputs_for(results, r)
    if ctx.output:
        p.attempt("write step outputs", lambda: write_outputs(ctx.output, r.outputs))  # type: ignore[arg-type]
    return r


def _comment(
    p: Publisher,
    client: GitHubClient,
    ctx: GitHubContext,
    opts: ReportOptions,
    target: str,
    have_token: bool,
    author: str | None,
) -> None:
    """The sticky comment, or the notice/warning that says why there is none."""
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
            client,
            ctx.repository,
            ctx.pr_number,
            p.result.comment_body,
            target=target,
            author=author,
            write_id=sticky.new_write_id(ctx.run_id, ctx.run_attempt),
        )

    p.attempt(f"comment on PR #{ctx.pr_number}", post)


def release_ref(ctx: GitHubContext, env: Mapping[str, str]) -> str | None:
    """The ref a release deployment is for (the tag, else the commit), or None when the run is
    not a release: `mode: release` (`AI_DEPLOY_CI_MODE`) decides, not the kind of push."""
    if env.get("AI_DEPLOY_CI_MODE", "").strip() != "release":
        return None
    return ctx.tag or ctx.sha


def existing_deployment(client: GitHubClient, ctx: GitHubContext, env: Mapping[str, str],
                        target: str) -> int | None:
    """The deployment to post statuses to: the one the start step opened, else GitHub's own for
    the job's `environment:` (see `deployments.job_deployment`), else None (make ours)."""
    given = env.get("AI_DEPLOY_CI_DEPLOYMENT_ID", "")
    if given.isdigit():
        return int(given)
    if ctx.repository and ctx.sha and ctx.run_id:
        return deployments.job_deployment(client, ctx.repository, sha=ctx.sha, environment=target,
                                          run_id=ctx.run_id)
    return None


def _deployment(
    p: Publisher, client: GitHubClient, ctx: GitHubContext, results: Results, target: str
) -> None:
    ref = release_ref(ctx, p.env)
    assert ctx.repository is not None and ref is not None
    outcome = get(results.rollout, "outcome", str) or ""
    env = p.env
    p.result.deployment_id = deployments.finish_release(
        client,
        ctx.repository,
        ref=ref,
        environment=target,
        outcome=outcome,
        deployment_id=existing_deployment(client, ctx, env, target),
        environment_url=env.get("AI_DEPLOY_CI_ENVIRONMENT_URL") or None,
        log_url=ctx.run_url,
    )


def spec_file(spec: Spec | None, ctx: GitHubContext) -> str:
    """deploy.yaml's path as annotations need it: relative to the workspace (the repo root)."""
    if spec is None or not spec.source:
        return "deploy.yaml"
    path = Path(spec.source)
    base = ctx.workspace or Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


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
