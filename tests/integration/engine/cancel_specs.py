"""Specs for the cancellation tests: sample model server pods (they answer with x-model-version)
behind each strategy's router, with a gate in every strategy so a run spends time on the candidate."""

from __future__ import annotations

from dataclasses import replace

from ai_deploy_ci.spec.model import Analysis, CanaryStep, Spec
from tests.unit.engine.specs import make_spec

IMAGE = "ai-deploy-ci/sample-model-server:1"
# strategy → router: every strategy once, through a router the user's entry point is for
CASES = {
    "canary": "gatewayAPI",
    "blueGreen": "service",
    "abTest": "gatewayAPI",
    "shadow": "istio",
    "rolling": "service",
}
HEADER = ("x-model-variant", "candidate")  # tests/unit/engine/specs.match_for


def host(namespace: str) -> str:
    return f"{namespace}.cancel.example.com"


def cancel_spec(namespace: str, strategy: str, router: str, version: str) -> Spec:
    gate = CanaryStep(analysis=Analysis(duration=0.1))
    steps = (CanaryStep(set_weight=50), gate, CanaryStep(set_weight=80), gate)
    spec = make_spec(strategy, router, namespace=namespace, version=version, replicas=2, image=IMAGE,
                     env={"MODEL_VERSION": version}, canary_steps=steps, scale_down_delay=0.1,
                     progress_deadline=600, hosts=(host(namespace),))
    return replace(spec, strategy=replace(spec.strategy, progress_deadline_seconds=600))
