"""`ai-deploy-ci promote FILE`: continue a rollout paused for approval (`pause: {}`) to the end.

For approval gates between jobs, like Azure k8s-deploy's promote: a later job (behind a GitHub
environment with required reviewers) runs this; the plan and snapshot come from the cluster.
Nothing paused: exit 1 (`NothingToPromote`), after the namespace check (exit 3 when it is missing).
"""

from __future__ import annotations

import argparse

from ai_deploy_ci.commands.deploy import add_cluster_arguments, session


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)
    parser.add_argument("--no-analysis", action="store_true", help="every remaining analysis gate passes")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ai_deploy_ci import pipeline
    from ai_deploy_ci.gates import no_analysis

    spec, kube, run_info, opts = session(args)
    gate = no_analysis
    if not args.no_analysis:
        from ai_deploy_ci.gates.load_and_judge import LoadAndJudge

        gate = LoadAndJudge(base_dir=Path(args.file).resolve().parent)
    result = pipeline.promote(spec, kube, run_info, gate, opts)
    print(f"{spec.metadata.name}: {result.record['outcome']}")
    return 0
