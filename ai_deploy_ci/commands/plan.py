"""`ai-deploy-ci plan FILE`: print the steps a deploy would take. Touches nothing.

With cluster credentials (`--kubeconfig`, `KUBECONFIG`) it reads the stable Deployment and the
HPA scaling it (read only, `ai_deploy_ci.pipeline.observe`, as `deploy` does) to plan exactly
what `deploy` would; `--offline`, or no credentials, plans as if a stable
version were running (a first deploy is a single create-and-wait step).
"""

from __future__ import annotations

import argparse
import json
import os

from ai_deploy_ci.plan.model import Plan, Step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="deploy.yaml")
    parser.add_argument("--kubeconfig", help="read the cluster (read only) with this kubeconfig")
    parser.add_argument("--context", help="kubeconfig context")
    parser.add_argument("--offline", action="store_true", help="do not read the cluster")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.commands.deploy import load
    from ai_deploy_ci.plan import objects
    from ai_deploy_ci.plan.observed import ObservedState, RunInfo
    from ai_deploy_ci.plan.registry import make_plan

    spec, manifest = load(args.file)
    run_info = RunInfo.from_env()
    if not args.offline and (args.kubeconfig or os.environ.get("KUBECONFIG")):
        from ai_deploy_ci.cluster.api import Kube
        from ai_deploy_ci.cluster.client import api_client
        from ai_deploy_ci.pipeline import observe

        observed = observe(Kube(api_client(args.kubeconfig, args.context)), spec, run_info, manifest)
    else:
        base = ObservedState(run=run_info, manifest=manifest)
        stable = objects.deployment(
            spec,
            base,
            name=spec.metadata.name,
            track="stable",
            replicas=spec.server.replicas,
            version="(running)",
        )
        observed = ObservedState(run=run_info, stable=stable, manifest=manifest)
    plan = make_plan(spec, observed)
    from ai_deploy_ci.analysis.capacity import policy_of

    cap = spec.analysis.capacity
    budget = None if cap is None else policy_of(cap).budget_seconds()
    if args.format == "json":
        print(json.dumps({**plan.to_json(), **({"capacity_budget_s": budget} if budget else {})}, indent=2))
    else:
        print(render(plan) + ("" if cap is None or budget is None else
                              f"\ncapacity: after each analysis gate, up to {len(cap.rates)} rate steps "
                              f"({', '.join(f'{r:g}' for r in cap.rates)} req/s per target): at most "
                              f"{budget:.0f} s more per gate"))
    return 0


def render(plan: Plan) -> str:
    lines = [
        f"{plan.strategy} of {plan.name} {plan.baseline_version or '(none)'} → {plan.candidate_version} "
        f"in {plan.namespace} via router {plan.router}"
    ]
    if not plan.steps:
        lines.append("nothing to do: stable already runs this version and template")
    for i, step in enumerate(plan.steps, 1):
        lines.append(f"{i:>2}. {step.kind:<9} {step.description}{_weight(step)}")
        writes = [f"{o['kind']}/{o['metadata']['name']}" for o in (*step.apply, *step.route_objects)]
        if writes:
            lines.append(f"      write  {', '.join(dict.fromkeys(writes))}")
        if step.wait_for:
            lines.append(f"      wait   {', '.join(step.wait_for)} rolled out")
        if step.delete:
            lines.append(f"      delete {', '.join(str(r) for r in step.delete)}")
    ep = plan.endpoints
    lines.append(
        f"load targets: baseline {ep.baseline_service or '-'}:{ep.port}, "
        f"candidate {ep.candidate_service}:{ep.port}"
    )
    return "\n".join(lines)


def _weight(step: Step) -> str:
    return f"  [candidate {step.weight}%]" if step.weight is not None else ""
