"""`ai-deploy-ci deploy FILE`: perform the strategy on the cluster, step by step, with gates.

Gates: by default each analysis step runs the real load-and-judge gate (`gates/load_and_judge.py`);
`--no-analysis` passes every gate (readiness, the progress deadline and rollback on cluster
failures still apply) — for clusters where load cannot reach the model, or for smoke deploys.
Exit codes: 0 promoted or paused for approval, 3 cluster error (rolled back), 4 regression
(rolled back), 5 another run holds the lock. rollout.json is written in every case (outcome
`not_started` when the lock or preflight stopped the run before any change).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ai_deploy_ci.errors import InputError
from ai_deploy_ci.spec.model import Spec


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="deploy.yaml")
    parser.add_argument(
        "--kubeconfig", help="kubeconfig path (default: $KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.add_argument("--context", help="kubeconfig context")
    parser.add_argument("--run-id", help="identifies the run (default: $GITHUB_RUN_ID); a re-run resumes")
    parser.add_argument(
        "--results", type=Path, default=Path("results"), help="results directory (rollout.json)"
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help=argparse.SUPPRESS
    )  # local cluster clock
    parser.add_argument("--lock-seconds", type=int, default=30, help="lease duration of the per-model lock")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cluster_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="plan and preflight only; write nothing")
    parser.add_argument("--no-analysis", action="store_true", help="every analysis gate passes")


def load(path: str) -> tuple[Spec, dict[str, Any] | None]:
    """The spec, and the user's Deployment manifest when `server.manifest` names one."""
    from ai_deploy_ci.spec.load import load_spec

    spec = load_spec(path)
    if not spec.server.manifest:
        return spec, None
    from ai_deploy_ci.spec.bounded import load_yaml_documents

    manifest_path = Path(path).parent / spec.server.manifest
    # bounded like deploy.yaml (size read, depth, alias expansion, tags): the PR author writes it
    docs = [d for d in load_yaml_documents(manifest_path, max_bytes=20_000_000, what="Deployment manifest")
            if d]
    deployment = next((d for d in docs if isinstance(d, dict) and d.get("kind") == "Deployment"), None)
    if deployment is None:
        raise InputError(
            f"{manifest_path} holds no Deployment", fix="server.manifest must name a Deployment manifest"
        )
    return spec, deployment


def session(args: argparse.Namespace) -> tuple[Spec, Any, Any, Any]:
    """(spec, kube, run, options) from the common arguments."""
    from ai_deploy_ci import pipeline
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.cluster.client import api_client
    from ai_deploy_ci.plan.observed import RunInfo

    spec, manifest = load(args.file)
    kube = Kube(api_client(args.kubeconfig, args.context))
    opts = pipeline.Options(
        results_dir=args.results,
        time_scale=args.time_scale,
        lock_seconds=args.lock_seconds,
        manifest=manifest,
        dry_run=getattr(args, "dry_run", False),
    )
    return spec, kube, RunInfo.from_env(args.run_id), opts


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci import pipeline
    from ai_deploy_ci.gates import no_analysis

    spec, kube, run_info, opts = session(args)
    gate = no_analysis
    if not args.no_analysis:
        from ai_deploy_ci.gates.load_and_judge import LoadAndJudge

        gate = LoadAndJudge(base_dir=Path(args.file).resolve().parent)
    result = pipeline.deploy(spec, kube, run_info, gate, opts)
    for warning in result.warnings:
        print(f"warning: {warning}")
    outcome = result.record["outcome"]
    print(
        f"{spec.metadata.name}: {outcome}"
        + (" — continue with `ai-deploy-ci promote`" if outcome == "paused" else "")
    )
    return 0
