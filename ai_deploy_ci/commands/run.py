"""`ai-deploy-ci run FILE`: the whole pipeline, as the root `action.yml` runs it.

validate → preflight → deploy the candidate → at each analysis gate, load baseline and
candidate side by side and judge → promote, or roll back (exit 4) → results and step outputs.
Outside GitHub Actions it also renders the report (Markdown and HTML into the results
directory, Markdown to stdout); inside, the action's own report step publishes it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from ai_deploy_ci.artifacts import ROLLOUT_FILE, VERDICT_FILE
from ai_deploy_ci.errors import UserError, in_github_actions
from ai_deploy_ci.spec.model import Spec, Target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="deploy.yaml")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--mode", choices=("pr-check", "release"), default="pr-check")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context")
    parser.add_argument("--dry-run", action="store_true", help="validate, plan and preflight; change nothing")
    parser.add_argument("--image", help="override server.image")
    parser.add_argument("--version", dest="server_version", help="override server.version")
    parser.add_argument("--baseline-url", help="where the load test reaches the baseline")
    parser.add_argument("--candidate-url", help="where the load test reaches the candidate")
    parser.add_argument("--load-duration", type=float, help="seconds of load per gate (overrides the spec)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="cluster seconds per wall second")
    parser.add_argument("--github-outputs", action="store_true",
                        help="write verdict/outcome/p95-change to $GITHUB_OUTPUT (default in Actions)")
    parser.add_argument("--no-report", action="store_true", help="do not render the report at the end")
    parser.add_argument("--availability-url",
                        help="public endpoint probed during the rollout (default: the public Service)")


def with_overrides(spec: Spec, args: argparse.Namespace) -> Spec:
    """Apply the action inputs that replace deploy.yaml fields (the image a workflow just built)."""
    server = spec.server
    if args.image:
        server = dataclasses.replace(server, image=args.image)
    if args.server_version:
        server = dataclasses.replace(server, version=args.server_version)
    load = spec.load
    if args.baseline_url:
        load = dataclasses.replace(load, baseline=Target(url=args.baseline_url))
    if args.candidate_url:
        load = dataclasses.replace(load, candidate=Target(url=args.candidate_url))
    return dataclasses.replace(spec, server=server, load=load)


def run(args: argparse.Namespace) -> int:
    results: Path = args.results_dir.resolve()  # Locust runs in another cwd: relative paths break it
    (results / ROLLOUT_FILE).unlink(missing_ok=True)  # the outputs must describe this run, not the last
    code = 0
    try:
        _run(args, results)
    except UserError as exc:
        code = exc.exit_code
        raise
    except KeyboardInterrupt:
        code = 130
        raise
    except BaseException:  # a bug (cli.main exits 70): the outputs say so too
        code = 70
        raise
    finally:
        if args.github_outputs or in_github_actions():
            write_step_outputs(results, args.mode, code)
        if not args.no_report and not in_github_actions() and (results / ROLLOUT_FILE).is_file():
            print_report(results, args.file)
    return code


def _run(args: argparse.Namespace, results: Path) -> None:
    from ai_deploy_ci import pipeline
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.cluster.client import api_client
    from ai_deploy_ci.commands.deploy import load
    from ai_deploy_ci.gates.load_and_judge import LoadAndJudge
    from ai_deploy_ci.pipeline.evidence import deploy_with_evidence
    from ai_deploy_ci.plan.observed import RunInfo

    spec, manifest = load(str(args.file))  # the engine's loader: also reads server.manifest
    spec = with_overrides(spec, args)
    results.mkdir(parents=True, exist_ok=True)
    kube = Kube(api_client(args.kubeconfig, args.context))
    gate = LoadAndJudge(base_dir=args.file.resolve().parent, baseline_url=args.baseline_url,
                        candidate_url=args.candidate_url, load_duration=args.load_duration)
    opts = pipeline.Options(results_dir=results, time_scale=args.time_scale, dry_run=args.dry_run,
                            manifest=manifest)
    result = deploy_with_evidence(spec, kube, RunInfo.from_env(), gate, opts,
                                                   availability_url=args.availability_url)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{spec.metadata.name}: {result.record['outcome']}", file=sys.stderr)


def step_outputs(results: Path, mode: str, code: int) -> dict[str, str]:
    import json

    def read(name: str) -> dict[str, object]:
        try:
            data = json.loads((results / name).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    verdict, rollout = read(VERDICT_FILE), read(ROLLOUT_FILE)
    p95 = ""
    checks = verdict.get("checks")
    for check in checks if isinstance(checks, list) else []:
        if isinstance(check, dict) and check.get("type") == "latency" and "95" in str(check.get("metric")):
            p95 = "" if check.get("change_pct") is None else f"{float(check['change_pct']):.2f}"
            break
    # no rollout.json: the run stopped before the engine could write one (bad input, a bug)
    outcome = str(rollout.get("outcome") or ("not_started" if code else ""))
    return {"verdict": str(verdict.get("verdict") or "NONE"), "outcome": outcome,
            "p95-change": p95, "results-dir": str(results), "exit-code": str(code), "mode": mode}


def write_step_outputs(results: Path, mode: str, code: int) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    from ai_deploy_ci.report.github.outputs import write_outputs

    write_outputs(Path(path), step_outputs(results, mode, code))


def print_report(results: Path, deploy_file: Path, *, echo: bool = True) -> None:
    """report.md and report.html into the results directory; the Markdown to stdout when `echo`."""
    from ai_deploy_ci.report.html import render_page
    from ai_deploy_ci.report.render import render_markdown

    markdown = render_markdown(results)
    (results / "report.md").write_text(markdown, encoding="utf-8")
    (results / "report.html").write_text(render_page(markdown), encoding="utf-8")
    if echo:
        sys.stdout.write(markdown)
