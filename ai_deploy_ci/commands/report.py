"""`ai-deploy-ci report DIR`: render a results directory; in Actions, publish it.

Outside Actions (or with --no-post) it only renders: the Markdown goes to stdout (or
--markdown), the HTML page to --html. Inside Actions it publishes (summary, outputs,
annotations, PR comment, deployment) and exits 0 even when publishing fails, because a
report must not turn a good deploy red; AI_DEPLOY_CI_REPORT_STRICT=true changes that.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ai_deploy_ci.errors import InputError, in_github_actions
from ai_deploy_ci.spec.model import Spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results",
        type=Path,
        metavar="DIR",
        nargs="?",
        help="results directory (summary/verdict/rollout JSON)",
    )
    parser.add_argument("--spec", type=Path, help="deploy.yaml, for report options and annotation lines")
    parser.add_argument("--no-post", action="store_true", help="render only; never call the GitHub API")
    parser.add_argument("--html", type=Path, metavar="FILE", help="also write a standalone HTML page")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="write the Markdown here instead of stdout"
    )
    parser.add_argument("--target", help="deploy target (one sticky comment per PR and target)")
    parser.add_argument(
        "--start-deployment",
        action="store_true",
        help="on a tag push, before the rollout: create the GitHub deployment (status in_progress)",
    )
    parser.add_argument(
        "--mermaid-js",
        metavar="URL",
        help="with --html: load mermaid.js from here to draw the charts (else they are drawn as inline SVG)",
    )


def _spec(path: Path | None) -> Spec | None:
    if path is None:
        return None
    from ai_deploy_ci.spec.load import load_spec

    spec: Spec = load_spec(path)
    return spec


def run(args: argparse.Namespace) -> int:
    if args.start_deployment:
        from ai_deploy_ci.report.github.release import start_deployment

        spec_ = _spec(args.spec)  # the same target the final report uses
        start_deployment(env=os.environ, target=args.target or (spec_.report.target if spec_ else "staging"))
        return 0
    results: Path | None = args.results
    if results is None or not results.is_dir():
        raise InputError(
            f"{results} is not a directory", fix="pass the results directory the deploy step wrote"
        )
    spec = _spec(args.spec)
    env = dict(os.environ)
    if args.target:
        env["AI_DEPLOY_CI_TARGET"] = args.target
    if in_github_actions() and not args.no_post:
        from ai_deploy_ci.report.github.publish import publish

        markdown = publish(results, env=env, spec=spec).markdown
    else:
        from ai_deploy_ci.report.inputs import RenderContext
        from ai_deploy_ci.report.render import render_markdown

        target = args.target or (spec.report.target if spec else "staging")
        markdown = render_markdown(results, spec=spec, context=RenderContext(target=target))
        if not args.markdown:
            sys.stdout.write(markdown)
    if args.markdown:
        _write(args.markdown, markdown, "--markdown")
    if args.html:
        from ai_deploy_ci.report.html import render_page

        _write(args.html, render_page(markdown, mermaid_js=args.mermaid_js), "--html")
    return 0


def _write(path: Path, text: str, flag: str) -> None:
    """An output file the user named: a directory or an unwritable path is their error (exit 2)."""
    if path.is_dir():
        example = path / "report.html"
        raise InputError(f"{flag} {path} is a directory", fix=f"give a file path, e.g. {example}")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{flag} {path}: cannot write: {exc.strerror or exc}",
                         fix="give a writable file path") from None
