"""One matrix case: an example, made local by the `--local` overlay, shipped as a user would.

`ship(env, example, namespace, tmp, candidate=..., gate=...)` deploys version v1 (a first deploy),
dumps every object, starts an independent user through the entry point, then runs v2 through
`deploy_with_evidence` (what `run` does). At each gate the case measures, through the same entry
point, which version answers (and for A/B, which version a matching user gets), then lets the
gate decide. It returns what users saw and the objects before and after; the tests assert.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.commands.deploy import load
from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.gates import GateRequest, no_analysis
from ai_deploy_ci.local.environment import LocalEnvironment
from ai_deploy_ci.local.overlay import local_manifest, local_overlay, referenced_files
from ai_deploy_ci.pipeline import Options, promote
from ai_deploy_ci.pipeline.evidence import deploy_with_evidence
from ai_deploy_ci.plan import replicas as counts
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import Spec
from ai_deploy_ci.verdict import Verdict
from tests.e2e.matrix.conftest import TIME_SCALE
from tests.e2e.matrix.users import Answer, User, entry_point, request_for

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SAMPLE = 60  # requests per measured step: ±0.2 is > 3 standard deviations at any weight

# Candidate behaviours (sample-server knobs) the matrix ships.
GOOD: dict[str, str] = {}
SLOWER = {"EXTRA_LATENCY_MS": "80"}
ERRORING = {"ERROR_RATE": "0.3"}
WRONG_OUTPUT = {"WRONG_OUTPUT_RATE": "0.5"}


@dataclass
class Measured:
    step: int  # 1-based, as the report numbers steps
    planned: float  # the candidate's share the plan promises users (percent)
    public: Counter[str]  # who answered a plain user
    matching: Counter[str] | None = None  # who answered a user matching the A/B rule


@dataclass
class Shipped:
    spec: Spec
    outcome: str
    results: Path
    before: dict[str, Any]
    after: dict[str, Any]
    steps: list[Measured] = field(default_factory=list)
    background: list[Answer] = field(default_factory=list)
    mirrored: int = 0
    deploy_file: Path | None = None


def spec_file(example: str, namespace: str, tmp: Path, version: str,
              behaviour: dict[str, str] | None = None, max_replicas: int = 4,
              tune: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """The example with the local overlay, in its own namespace, written to `tmp/version/` with
    the files it names (a user's manifest gets the overlay too), for `load_spec`."""
    doc = yaml.safe_load((EXAMPLES / example).read_text())
    doc = local_overlay(doc, version=version, behaviour=behaviour, max_replicas=max_replicas)
    drain(doc)
    if tune is not None:
        tune(doc)
    original, doc["metadata"]["namespace"] = doc["metadata"]["namespace"], namespace
    router = doc.get("trafficRouter") or {}
    # One gateway serves every case: public hosts get the namespace as a prefix; a mesh host
    # (`svc.ns.svc.cluster.local`) names the case's namespace instead of the example's.
    router["hosts"] = [
        h.replace(f".{original}.svc.", f".{namespace}.svc.") if h.endswith(".svc.cluster.local")
        else f"{namespace}-{h}"
        for h in router.get("hosts") or []
    ]
    if not router["hosts"]:
        router.pop("hosts")
    out = tmp / version
    for relative in referenced_files(doc):
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        text = (EXAMPLES / relative).read_text()
        if relative == doc["server"].get("manifest"):
            manifest = local_manifest(yaml.safe_load(text), doc, behaviour=behaviour,
                                      max_replicas=max_replicas)
            manifest.setdefault("metadata", {})["namespace"] = namespace
            pod = manifest["spec"]["template"]["spec"]
            pod["terminationGracePeriodSeconds"] = 2 * DRAIN_S
            for container in pod["containers"]:
                container["lifecycle"] = {"preStop": {"sleep": {"seconds": DRAIN_S}}}
            text = yaml.safe_dump(manifest, sort_keys=False)
        (out / relative).write_text(text)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "deploy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# The cluster clock runs TIME_SCALE× faster: a 1 s preStop sleep would last 50 ms of wall time,
# less than the gateway takes to see an endpoint go, so a terminating pod would still get requests
# (a 502 that a real cluster's preStop covers). 10 cluster seconds = 0.5 s of wall time.
DRAIN_S = 10


def drain(doc: dict[str, Any]) -> None:
    server = doc["server"]
    if not server.get("manifest"):
        server["preStopSleepSeconds"] = DRAIN_S
        server["terminationGracePeriodSeconds"] = 2 * DRAIN_S


def planned_share(spec: Spec, weight: int) -> float:
    """What users should get at `weight`: exact for weighted routers, the pod ratio for replicas."""
    if spec.traffic_router.type != "replicas":
        return float(weight)
    cand, stable = counts.split(spec.server.replicas, weight)
    return counts.effective_weight(cand, stable)


_SERVER_OWNED = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink")


def dump(kube: Kube, namespace: str) -> dict[str, Any]:
    """Every object in the namespace as `kubectl get -o yaml` shows it, less what only the server
    maintains (status, resourceVersion, uid, the Deployment revision counter). User annotations
    such as `kubectl.kubernetes.io/last-applied-configuration` are kept: a rollback must keep them."""
    from tests.integration.engine.conftest import objects_in

    raw = objects_in(kube, namespace, normalized=False)
    out = {}
    for key, obj in raw.items():
        if key.startswith("Lease/"):
            continue
        obj = copy.deepcopy(obj)
        obj.pop("status", None)
        meta = obj.get("metadata", {})
        for field_name in _SERVER_OWNED:
            meta.pop(field_name, None)
        (meta.get("annotations") or {}).pop("deployment.kubernetes.io/revision", None)
        if not meta.get("annotations"):
            meta.pop("annotations", None)
        (obj.get("spec", {}).get("template", {}).get("metadata") or {}).pop("creationTimestamp", None)
        out[key] = obj
    return out


def create_namespace(kube: Kube, name: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    kube.raw(f"create namespace {name}", kube.core().create_namespace, body=body)


def options(results: Path, manifest: dict[str, Any] | None = None) -> Options:
    return Options(results_dir=results, time_scale=TIME_SCALE, lock_seconds=5, poll=0.03,
                   on_event=lambda _m: None, manifest=manifest)


def ship(env: LocalEnvironment, example: str, namespace: str, tmp: Path, *,
         candidate: dict[str, str] | None = None,
         gate: Callable[[GateRequest], Verdict] = no_analysis,
         setup: Callable[[Kube, Spec, dict[str, Any] | None], None] | None = None, approve: bool = False,
         brownfield: bool = False,
         baseline: dict[str, str] | None = None,
         tune: Callable[[dict[str, Any]], None] | None = None) -> Shipped:
    assert env.gateway is not None
    kube = Kube(env.cluster.api_client(), deadline=20.0, request_timeout=5.0, backoff=0.05)
    create_namespace(kube, namespace)
    v1, manifest1 = load(str(spec_file(example, namespace, tmp, "v1", baseline, tune=tune)))
    if setup is not None:
        setup(kube, v1, manifest1)
    if brownfield:  # the user's own objects, as `kubectl apply` left them: the tool adopts them
        user_objects(kube, v1, manifest1)
    else:
        base = deploy_with_evidence(v1, kube, RunInfo("v1"), no_analysis,
                                    options(tmp / "v1-results", manifest1))
        assert base.record["outcome"] == "promoted", base.record
    v2_file = spec_file(example, namespace, tmp, "v2", {**(baseline or {}), **(candidate or {})}, tune=tune)
    v2, manifest2 = load(str(v2_file))
    gateway = env.gateway
    _settle(gateway)
    entry = entry_point(v2, gateway)
    path, body = request_for(v2, v2_file.parent)
    before = dump(kube, namespace)
    background = User(entry, path, body, interval=0.02).start()
    measuring = User(entry, path, body)
    steps: list[Measured] = []
    mirrored0 = _mirrored(gateway)

    def measured_gate(request: GateRequest) -> Verdict:
        _settle(gateway)
        m = Measured(request.index + 1, planned_share(v2, request.weight), measuring.batch(SAMPLE))
        ab = v2.strategy.ab_test
        if ab is not None and v2.strategy.type == "abTest":
            m.matching = User(entry, path, body, headers=_matching_headers(v2)).batch(SAMPLE // 2)
        steps.append(m)
        return gate(request)

    results = tmp / "results"
    try:
        result = deploy_with_evidence(v2, kube, RunInfo("v2"), measured_gate, options(results, manifest2))
        outcome = str(result.record["outcome"])
        if outcome == "paused" and approve:  # `pause: {}` waits for a person: approve, as they would
            result = promote(v2, kube, RunInfo("v2"), measured_gate, options(results, manifest2))
            outcome = str(result.record["outcome"])
    except RegressionDetected:
        outcome = "rolled_back"
    finally:
        _settle(gateway)
        answers = background.stop()
    return Shipped(v2, outcome, results, before, dump(kube, namespace), steps, answers,
                   _mirrored(gateway) - mirrored0, v2_file)


def _settle(gateway: Any) -> None:
    """Let the gateway's watch see the last writes (it rebuilds its table per event)."""
    generation = gateway.generation
    gateway.wait_until(lambda _t: gateway.generation > generation, timeout=0.3)
    time.sleep(0.1)


def _mirrored(gateway: Any) -> int:
    return sum(gateway.stats().get("mirrored", {}).values())


def _matching_headers(spec: Spec) -> dict[str, str]:
    ab = spec.strategy.ab_test
    assert ab is not None
    if ab.match.header:
        return {ab.match.header[0]: ab.match.header[1]}
    if ab.match.cookie:
        return {"Cookie": f"{ab.match.cookie[0]}={ab.match.cookie[1]}"}
    return {}


def report_text(results: Path, deploy_file: Path) -> str:
    """report.md as `ai-deploy-ci report` renders it from the results directory."""
    from ai_deploy_ci.commands.run import print_report

    print_report(results, deploy_file, echo=False)
    return (results / "report.md").read_text(encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def short_gates(doc: dict[str, Any]) -> None:
    """Gates of a few seconds for the real judge on a loaded 2-core machine: 1 s blocks, wide
    latency margins (baseline, candidate and Locust share the cores), a few users."""
    doc["load"].update(users=4, duration="6s", warmup="1s")
    doc["load"].pop("stages", None)
    doc["load"].pop("arrivalRate", None)
    doc["load"]["model"] = "closed"
    doc["analysis"].update(blockLength="1s", minDuration="4s", maxDuration="6s")
    for metric in doc["analysis"]["metrics"]:
        if metric.get("type") in ("latency", "ttft", "itl"):
            metric["maxIncrease"] = max(float(metric.get("maxIncrease", 0.5)), 0.5)
            metric.pop("slo", None)
        if metric.get("type") == "errorRate":  # decidable from a few hundred requests; 30 % still fails
            metric["slo"] = {"max": max(float((metric.get("slo") or {}).get("max", 0.05)), 0.05)}
            metric.pop("maxIncrease", None)
    strategy = doc["strategy"]
    for step in (strategy.get("canary") or {}).get("steps", []):
        if "analysis" in step:
            step["analysis"] = {"duration": "6s"}
        if "pause" in step and step["pause"].get("duration"):
            step["pause"] = {"duration": "1s"}


def user_objects(kube: Kube, spec: Spec, manifest: dict[str, Any] | None) -> None:
    """What a team runs before adopting the tool: its Deployment (the manifest, or a minimal one),
    a Service selecting `app: <name>`, and for nginx its Ingress — all applied with kubectl
    (`last-applied-configuration` set), none carrying the tool's labels. Waits until they serve."""
    from ai_deploy_ci.cluster.apply import apply as write
    from ai_deploy_ci.cluster.wait import wait_rollout

    name, ns, port = spec.metadata.name, spec.metadata.namespace, spec.server.port
    service = spec.traffic_router.service or name
    assert manifest is not None, "brownfield cases use an example with server.manifest"
    deployment = copy.deepcopy(manifest)
    deployment["metadata"]["namespace"] = ns
    app = dict(deployment["spec"]["selector"]["matchLabels"])
    objs: list[dict[str, Any]] = [deployment, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": service, "namespace": ns},
        "spec": {"selector": app, "ports": [{"name": "http", "port": port, "targetPort": port}]}}]
    if spec.traffic_router.type == "nginx":
        objs.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": spec.traffic_router.ingress or name, "namespace": ns},
            "spec": {"ingressClassName": spec.traffic_router.ingress_class, "rules": [{
                "host": spec.traffic_router.hosts[0], "http": {"paths": [{
                    "path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": service, "port": {"number": port}}}}]}}]}})
    for obj in objs:
        applied = json.dumps(obj, sort_keys=True)
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = applied
        write(kube, obj)
    wait_rollout(kube, ns, deployment["metadata"]["name"], timeout=60.0, poll=0.05)
