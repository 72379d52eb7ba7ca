"""Spec builders for engine tests: every strategy × router pair the capability table allows."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ai_deploy_ci.plan.model import ObjectRef, Plan
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.spec import capabilities
from ai_deploy_ci.spec.model import (
    AbTestStrategy,
    Analysis,
    AnalysisSpec,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    Load,
    Match,
    Metadata,
    Metric,
    Probe,
    Resources,
    Server,
    ShadowStrategy,
    Spec,
    Strategy,
    TrafficRouter,
)

STRATEGIES = ("rolling", "recreate", "blueGreen", "canary", "abTest", "shadow")
ROUTERS = ("service", "replicas", "gatewayAPI", "istio", "nginx")
IMAGE = "ai-deploy-ci/sample-model-server:1"


def match_for(router: str) -> Match:
    """A match kind the router supports (header everywhere but replicas/service)."""
    return Match(header=("x-model-variant", "candidate"))


def supported_pairs() -> list[tuple[str, str]]:
    return [
        (s, r)
        for s in STRATEGIES
        for r in ROUTERS
        if not capabilities.missing(s, r, "header" if s == "abTest" else None)
    ]


def make_spec(
    strategy: str,
    router: str,
    *,
    name: str = "sentiment",
    namespace: str = "ml",
    replicas: int = 3,
    version: str = "2.0.0",
    gpus: int = 0,
    image: str = IMAGE,
    env: dict[str, str] | None = None,
    canary_steps: tuple[CanaryStep, ...] | None = None,
    auto_promote: bool = True,
    scale_down_delay: float = 0.2,
    duration: float = 0.2,
    progress_deadline: int = 600,
    hosts: tuple[str, ...] = ("sentiment.ml.example.com",),
) -> Spec:
    steps = (
        canary_steps
        if canary_steps is not None
        else (
            CanaryStep(set_weight=25),
            CanaryStep(analysis=Analysis(duration=duration)),
            CanaryStep(set_weight=50),
            CanaryStep(pause=duration),
            CanaryStep(analysis=Analysis()),
        )
    )
    strat = Strategy(
        type=strategy,  # type: ignore[arg-type]
        progress_deadline_seconds=progress_deadline,
        blue_green=BlueGreenStrategy(auto_promote=auto_promote, scale_down_delay=scale_down_delay),
        canary=CanaryStrategy(steps=steps),
        ab_test=AbTestStrategy(match=match_for(router), duration=duration),
        shadow=ShadowStrategy(mirror_percent=50, duration=duration),
    )
    return Spec(
        metadata=Metadata(name=name, namespace=namespace, labels={"team": "nlp"}),
        server=Server(
            image=image,
            version=version,
            port=8080,
            replicas=replicas,
            env=dict(env or {}),
            resources=Resources(requests={"cpu": "100m"}, gpus=gpus),
            readiness=Probe(path="/readyz", period_seconds=1, failure_threshold=1),
            pre_stop_sleep_seconds=0,
            termination_grace_period_seconds=1,
        ),
        strategy=strat,
        traffic_router=TrafficRouter(
            type=router,  # type: ignore[arg-type]
            hosts=hosts,
            gateway=("gateway-system", "inference-gw"),
        ),
        load=Load(),
        analysis=AnalysisSpec(metrics=(Metric(name="p95", type="latency", quantile=0.95),)),
    )


def with_version(spec: Spec, version: str) -> Spec:
    return replace(spec, server=replace(spec.server, version=version))


def approval_canary(spec: Spec) -> Spec:
    steps = (CanaryStep(set_weight=50), CanaryStep(pause=math.inf))
    return replace(spec, strategy=replace(spec.strategy, canary=CanaryStrategy(steps=steps)))


def stable_hpa(spec: Spec, min_replicas: int = 2, max_replicas: int = 10) -> dict[str, object]:
    """A user's autoscaling/v2 HPA on the stable Deployment, with metrics and behavior to copy."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"{spec.metadata.name}-hpa", "namespace": spec.metadata.namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.metadata.name},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}},
        },
    }


def state_with_stable(
    spec: Spec, run_id: str = "run-1", baseline: str = "1.0.0", hpa: dict[str, object] | None = None
) -> ObservedState:
    """An observed state whose stable Deployment runs `baseline` (as a previous run left it),
    optionally scaled by `hpa`."""
    from ai_deploy_ci.plan import objects

    run = RunInfo(run_id=run_id, commit="abc123", pull_request=7)
    base = ObservedState(run=run)
    stable = objects.deployment(
        spec, base, name=spec.metadata.name, track="stable", replicas=spec.server.replicas, version=baseline
    )
    return ObservedState(run=run, stable=stable, hpa=hpa)


def live_after(plan: Plan, upto: int, stable_ready: int = 2) -> dict[ObjectRef, Any]:
    """The objects a run has written after its first `upto` steps, Deployments marked ready
    (stable with `stable_ready` pods), as a rollback would find them in the cluster."""
    live: dict[ObjectRef, Any] = {}
    for step in plan.steps[:upto]:
        for obj in (*step.apply, *step.route_objects):
            live[ObjectRef.of(obj)] = obj
        for ref in step.delete:
            live.pop(ref, None)
    for ref, obj in live.items():
        if ref.kind == "Deployment":
            obj.setdefault("status", {})["readyReplicas"] = stable_ready if ref.name == plan.name else 1
    return live
