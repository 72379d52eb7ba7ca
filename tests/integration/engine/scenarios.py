"""Shared steps of the engine's integration tests: a baseline, then a candidate run to an outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.compare import diff_paths
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Analysis, CanaryStep, Spec
from tests.integration.engine.conftest import objects_in
from tests.unit.engine.specs import make_spec, with_version

IMAGE = "registry.example.com/acme/model:1"  # no process: Ready after its readiness delay (cheap)
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def deploy_yaml(path: Path, namespace: str, version: str, steps: list[dict[str, Any]]) -> Path:
    """examples/canary-gateway-api.yaml made cheap for the local API server (2 pods of IMAGE, no
    GPUs), with these canary steps, written to `path` for the CLI."""
    doc = yaml.safe_load((EXAMPLES / "canary-gateway-api.yaml").read_text())
    doc["metadata"]["namespace"] = namespace
    doc["server"].update(image=IMAGE, replicas=2, version=version)
    doc["server"]["resources"] = {"requests": {"cpu": "100m"}}
    for key in ("nodeSelector", "tolerations", "volumes"):
        doc["server"].pop(key, None)
    doc["strategy"]["canary"]["steps"] = steps
    path.write_text(yaml.safe_dump(doc))
    return path


def baseline(
    kube: Kube, namespace: str, options: Options, strategy: str, router: str, **kw: Any
) -> tuple[Spec, dict[str, Any]]:
    """Deploy version 1.0.0 (a first deploy) and return the candidate spec and the objects as they are."""
    kw.setdefault("image", IMAGE)
    base = make_spec(
        strategy, router, namespace=namespace, version="1.0.0", replicas=2, progress_deadline=600, **kw
    )
    result = deploy(base, kube, RunInfo("base"), opts=options)
    assert result.record["outcome"] == "promoted"
    return with_version(base, "2.0.0"), objects_in(kube, namespace)


def assert_restored(kube: Kube, namespace: str, before: dict[str, Any]) -> None:
    after = objects_in(kube, namespace)
    assert sorted(after) == sorted(before), "objects left behind or missing"
    diffs = {k: diff_paths(before[k], after[k]) for k in before if diff_paths(before[k], after[k])}
    assert not diffs, f"objects differ from the pre-run state: {diffs}"


def assert_promoted(kube: Kube, namespace: str, before: dict[str, Any], version: str = "2.0.0") -> None:
    after = objects_in(kube, namespace)
    assert sorted(after) == sorted(before), "the promoted run left objects behind"
    stable = after["Deployment/sentiment"]
    assert stable["spec"]["template"]["metadata"]["labels"]["version"] == version


def crash_spec(namespace: str, strategy: str, router: str, version: str) -> Spec:
    """A short run (few writes) so every one of its writes can be a crash point."""
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=Analysis(duration=0.1)))
    return make_spec(
        strategy,
        router,
        namespace=namespace,
        version=version,
        replicas=2,
        image=IMAGE,
        canary_steps=steps,
        scale_down_delay=0.1,
    )
