"""`ai-deploy-ci reconcile FILE…`: roll back every rollout whose runner is gone past its deadline.

Run it on a schedule (examples/workflows/reconcile.yml): a job killed by SIGKILL or a lost runner
leaves its candidate at its weight, and a cancelled job is rarely re-run. A rollout is abandoned
when its run state's deadline has passed and its Lease is absent or expired
(`pipeline/status.py`); paused rollouts (waiting for approval) and live runs are left alone.
Exit 0 when every model is consistent afterwards, 3 when a rollback failed (it says why).
"""

from __future__ import annotations

import argparse
import copy

from ai_deploy_ci.commands.deploy import add_cluster_arguments, session


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)
    parser.add_argument("more", nargs="*", metavar="FILE", help="more deploy.yaml files")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci import pipeline
    from ai_deploy_ci.pipeline.status import read_status

    for path in [args.file, *args.more]:
        one = copy.copy(args)
        one.file = path
        spec, kube, run_info, opts = session(one)
        status, _ = read_status(kube, spec)
        model = f"{status.model} in {status.namespace}"
        if status.phase == "idle":
            print(f"{model}: no unfinished rollout")
        elif status.phase == "paused":
            print(f"{model}: paused for approval since {status.since} (run {status.run_id}): left alone")
        elif not status.abandoned:
            why = "its runner holds the lock" if status.lock_live else f"deadline {status.deadline} ahead"
            print(f"{model}: run {status.run_id} is {status.phase}; {why}: left alone")
        else:
            reason = f"abandoned: run {status.run_id} gone past its deadline {status.deadline}"
            result = pipeline.rollback(spec, kube, run_info, opts, reason=reason)
            rb = result.record.get("rollback", {})
            print(f"{model}: {reason}; rolled back (restored={rb.get('restored')})")
    return 0
