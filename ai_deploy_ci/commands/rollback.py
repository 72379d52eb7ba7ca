"""`ai-deploy-ci rollback FILE`: return the cluster to the unfinished run's pre-run snapshot.

The reject half of an approval gate (k8s-deploy's reject), and the manual escape hatch after a
runner died: traffic off the candidate first, then everything back as it was, idempotently.
"""

from __future__ import annotations

import argparse

from ai_deploy_ci.commands.deploy import add_cluster_arguments, session


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)
    parser.add_argument("--reason", default="rollback requested", help="recorded in rollout.json")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci import pipeline

    spec, kube, run_info, opts = session(args)
    result = pipeline.rollback(spec, kube, run_info, opts, reason=args.reason)
    rb = result.record.get("rollback", {})
    print(
        f"{spec.metadata.name}: rolled back; restored={rb.get('restored')} "
        f"({rb.get('seconds_to_no_traffic')} s to no traffic on the candidate)"
    )
    return 0
