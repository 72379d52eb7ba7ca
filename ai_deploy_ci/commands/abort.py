"""`ai-deploy-ci abort FILE`: take user traffic off the candidate now, then roll back fully.

For a rollout you no longer want, paused or abandoned: the first write after the run state is the
traffic-carrying route (the FAIL path's order), the rest follows. A run that is alive holds the
lock: abort then exits 5 and says to cancel that job instead (its cancellation rolls back the
same way), so two processes never write the same routes.
"""

from __future__ import annotations

import argparse

from ai_deploy_ci.commands.deploy import add_cluster_arguments, session


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci import pipeline

    spec, kube, run_info, opts = session(args)
    result = pipeline.rollback(spec, kube, run_info, opts, reason="aborted (`ai-deploy-ci abort`)")
    rb = result.record.get("rollback", {})
    took = rb.get("seconds_to_no_traffic")
    print(f"{spec.metadata.name}: aborted; no traffic on the candidate after {took} s; "
          f"restored={rb.get('restored')}")
    return 0
