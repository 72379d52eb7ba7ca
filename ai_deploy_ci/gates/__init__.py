"""The gate contract between the engine and whatever judges a step (load test + judge, a human,
a script): `Gate = Callable[[GateRequest], Verdict]`.

A GateRequest carries everything a load test needs — which step, the candidate's live share,
where baseline and candidate answer, where to put results — so `commands/run.py` can wire the
real gate (`run_load_test` into `request.results_dir`, then `judge`) without the engine knowing
about Locust or statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ai_deploy_ci.plan.model import Plan, Step
from ai_deploy_ci.spec.model import Spec, Target
from ai_deploy_ci.verdict import Verdict

if TYPE_CHECKING:
    from ai_deploy_ci.cluster.api import Kube


@dataclass(frozen=True)
class Endpoint:
    """Where one side answers. `url` is what a load generator should use.

    Precedence: an explicit `load.targets.*.url` from the spec; else the Service's in-cluster DNS
    name (a runner inside the cluster reaches it). `ip_url` uses the Service's ClusterIP, which is
    what reaches it in the local environment (ClusterIPs are loopback addresses there).
    """

    service: str | None
    port: int
    namespace: str
    url: str
    cluster_ip: str | None = None

    @property
    def dns_url(self) -> str | None:
        return None if self.service is None else f"http://{self.service}.{self.namespace}.svc:{self.port}"

    @property
    def ip_url(self) -> str | None:
        return None if self.cluster_ip is None else f"http://{self.cluster_ip}:{self.port}"

    @staticmethod
    def resolver(
        kube: Kube, namespace: str, port: int
    ) -> Callable[[str | None, Target | None], Endpoint | None]:
        from ai_deploy_ci.plan.model import ObjectRef

        def resolve(service: str | None, target: Target | None) -> Endpoint | None:
            if target is not None and target.url:
                return Endpoint(service=None, port=target.port or port, namespace=namespace, url=target.url)
            name = (target.service if target is not None and target.service else None) or service
            if name is None:
                return None
            p = (target.port if target is not None and target.port else None) or port
            svc = kube.get(ObjectRef("v1", "Service", namespace, name))
            ip = (svc or {}).get("spec", {}).get("clusterIP")
            ip = None if ip in (None, "", "None") else str(ip)
            return Endpoint(
                service=name,
                port=p,
                namespace=namespace,
                cluster_ip=ip,
                url=f"http://{name}.{namespace}.svc:{p}",
            )

        return resolve


@dataclass(frozen=True)
class GateRequest:
    spec: Spec
    plan: Plan
    index: int  # the step's index in plan.steps (0-based)
    number: int  # gates so far, 1-based: results go to results/gates/<number>/
    step: Step
    weight: int  # the candidate's share of live traffic while the gate runs (0 for shadow/A-B)
    duration: float | None  # seconds the step asks for; None: analysis.maxDuration
    baseline: Endpoint | None  # None when nothing old runs beside the new (rolling, recreate)
    candidate: Endpoint
    public: Endpoint | None  # what users hit (the stable/public Service)
    results_dir: Path
    context: dict[str, str] = field(default_factory=dict)  # PromQL placeholders for the judge


Gate = Callable[[GateRequest], Verdict]


def no_analysis(request: GateRequest) -> Verdict:
    """`deploy --no-analysis`: every gate passes (readiness and the progress deadline still apply)."""
    return Verdict.PASS


def scripted(*verdicts: Verdict) -> Gate:
    """Gates answer in this order (tests, and `--gate-verdicts` for demos); then PASS."""
    queue = list(verdicts)

    def gate(request: GateRequest) -> Verdict:
        return queue.pop(0) if queue else Verdict.PASS

    return gate


def request_for(
    kube: Kube, spec: Spec, plan: Plan, index: int, number: int, results_dir: Path
) -> GateRequest:
    """The request for the gate at `plan.steps[index]`, endpoints resolved against the cluster."""
    step = plan.steps[index]
    ep = plan.endpoints
    resolve = Endpoint.resolver(kube, plan.namespace, ep.port)
    candidate = resolve(ep.candidate_service, spec.load.candidate)
    assert candidate is not None, "every plan names a candidate endpoint"
    return GateRequest(
        spec=spec,
        plan=plan,
        index=index,
        number=number,
        step=step,
        weight=step.weight or 0,
        duration=step.analysis or None,
        baseline=resolve(ep.baseline_service, spec.load.baseline),
        candidate=candidate,
        public=resolve(ep.public_service, None),
        results_dir=results_dir / "gates" / str(number),
        context={
            "name": plan.name,
            "namespace": plan.namespace,
            "version": plan.candidate_version,
            "baseline_version": plan.baseline_version or "",
        },
    )
