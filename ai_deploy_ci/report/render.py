"""Entry points of the pure renderer: results directory in, Markdown out.

`render_blocks` gives the document as droppable blocks so each destination (comment, job
summary, artifact) trims to its own limit; `render_markdown` is the job-summary-sized text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ai_deploy_ci.report import charts, details, progress, sections
from ai_deploy_ci.report.inputs import RenderContext, Results, load_results
from ai_deploy_ci.report.mentions import neutralise
from ai_deploy_ci.report.trim import SUMMARY_LIMIT, Block, trim, utf8_bytes
from ai_deploy_ci.spec.model import Spec

FOOTER = "<sub>Posted by ai-deploy-ci · edited in place on every run.</sub>"


def context_for(spec: Spec | None, context: RenderContext | None) -> RenderContext:
    """The render context with the spec's report options filled in where the run gave none."""
    ctx = context or RenderContext()
    if spec is None:
        return ctx
    opts = spec.report
    return RenderContext(
        run_url=ctx.run_url,
        artifact_url=ctx.artifact_url or opts.artifact_url,
        title=ctx.title or opts.title,
        target=opts.target if context is None or ctx.target == RenderContext.target else ctx.target,
        commit=ctx.commit,
        repository=ctx.repository,
        server_url=ctx.server_url,
        untrusted=ctx.untrusted,
    )


def render_blocks(
    results: Results, *, spec: Spec | None = None, context: RenderContext | None = None
) -> list[Block]:
    """The report in reading order; `drop_rank` > 0 marks what may go when space is short."""
    ctx = context_for(spec, context)
    with_charts = spec.report.charts if spec is not None else True
    candidates = [
        sections.headline(results, ctx),
        sections.problems(results),
        sections.load_warnings(results),
        sections.metrics(results),
        sections.availability(results),
        progress.rollback(results),
        progress.progress(results),
        progress.gates(results),
        charts.charts(results) if with_charts else None,
        details.test_details(results),
        details.load_details(results),
        sections.links(results, ctx),
        Block(FOOTER, name="footer"),
    ]
    # every destination (comment, job summary, report.md) gets text that mentions nobody
    return [replace(b, text=neutralise(b.text)) for b in candidates if b is not None]


def render_markdown(
    results_dir: Path,
    *,
    spec: Spec | None = None,
    context: RenderContext | None = None,
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The full report as Markdown, trimmed (whole blocks only) to `limit` UTF-8 bytes."""
    blocks = render_blocks(load_results(Path(results_dir)), spec=spec, context=context)
    markdown, _ = trim(blocks, limit, measure=utf8_bytes)
    return markdown
