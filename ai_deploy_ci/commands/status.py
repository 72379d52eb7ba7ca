"""`ai-deploy-ci status FILE`: what is live for this model, which step its rollout is at and since
when, who holds the lock, the last verdict, and whether the rollout looks abandoned. Reads only."""

from __future__ import annotations

import argparse
import json

from ai_deploy_ci.commands.deploy import add_cluster_arguments, session


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.pipeline.status import read_status

    spec, kube, _run, _opts = session(args)
    status, _ = read_status(kube, spec)
    if args.format == "json":
        print(json.dumps(status.to_json(), indent=2))
        return 0
    live = f"stable {status.stable_version or '(none)'}"
    if status.stable_image:
        live += f" ({status.stable_image})"
    if status.candidate_version:
        live += f", candidate {status.candidate_version}"
    if status.candidate_weight is not None and status.candidate_version:
        live += f" at {status.candidate_weight} %"
    if status.mirror_percent:
        live += f", mirroring {status.mirror_percent:g} %"
    lines = [f"{status.model} in {status.namespace}: {live}", f"  rollout: {status.phase}"]
    if status.run_id:
        lines[-1] += f" (run {status.run_id}, since {status.since})"
    if status.step:
        lines.append(f"  next step: {status.step}")
    if status.deadline:
        lines.append(f"  deadline: {status.deadline}" + ("  ABANDONED: `ai-deploy-ci reconcile` rolls it back"
                                                         if status.abandoned else ""))
    if status.reason:
        lines.append(f"  reason: {status.reason}")
    expired = "" if status.lock_live else ", expired"
    lock = "free"
    if status.lock_holder:
        lock = f"held by {status.lock_holder} (renewed {status.lock_renewed}{expired})"
    lines.append(f"  lock: {lock}")
    lines.append(f"  last verdict: {status.last_verdict or '(none)'}")
    print("\n".join(lines))
    return 0
