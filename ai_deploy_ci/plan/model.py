"""A Plan is data: the ordered steps a strategy takes, each with the objects it wants.

Strategies build Plans with pure functions; `ai_deploy_ci.pipeline` executes them. Keeping the
plan as plain data (JSON-serialisable) lets `ai-deploy-ci plan` print it, lets the run store it
in the cluster so a re-run after a crash resumes from the recorded step, and makes every
strategy testable without a cluster. Rollback is a Plan too (`ai_deploy_ci.plan.rollback`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Manifest = dict[str, Any]
StepKind = Literal[
    "apply",
    "setWeight",
    "switch",
    "match",
    "mirror",
    "pause",
    "analysis",
    "promote",
    "scaleDown",
    "finalize",
    "restore",
    "cleanup",
]

MANAGED_BY = "ai-deploy-ci"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_MANAGED = "app.kubernetes.io/managed-by"
LABEL_MODEL = "ai-deploy-ci.io/model"
LABEL_TRACK = "ai-deploy-ci.io/track"  # stable | candidate: the selector that splits the two
LABEL_VERSION = "version"
ANN_RUN = "ai-deploy-ci.io/run-id"
ANN_COMMIT = "ai-deploy-ci.io/commit-sha"
ANN_PR = "ai-deploy-ci.io/pull-request"


@dataclass(frozen=True, order=True)
class ObjectRef:
    """Names one namespaced object; `api_version`/`kind` pick the endpoint, as kubectl does."""

    api_version: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: Manifest) -> ObjectRef:
        meta = obj["metadata"]
        return cls(obj["apiVersion"], obj["kind"], meta.get("namespace", "default"), meta["name"])

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class RouteMatch:
    """An A/B rule: requests with this header / cookie / query value go to the candidate."""

    kind: Literal["header", "cookie", "query"]
    name: str
    value: str


@dataclass(frozen=True)
class Route:
    """Where traffic goes. Weights are whole percentages that sum to 100.

    `match` sends matching requests to the candidate and all others to stable; `mirror_percent`
    copies that share of requests to the candidate and discards its responses (stable answers).
    `candidate` False means the candidate backend is gone: the route names stable only.
    """

    stable_weight: int = 100
    candidate_weight: int = 0
    match: RouteMatch | None = None
    mirror_percent: float | None = None
    candidate: bool = True

    def __post_init__(self) -> None:
        if (
            self.stable_weight + self.candidate_weight != 100
            or min(self.stable_weight, self.candidate_weight) < 0
        ):
            raise ValueError(
                f"weights must be 0..100 and sum to 100: {self.stable_weight}/{self.candidate_weight}"
            )

    @property
    def candidate_receives_traffic(self) -> bool:
        """True when any live request (not a discarded mirror copy) can reach the candidate."""
        return self.candidate and (self.candidate_weight > 0 or self.match is not None)


STABLE_ONLY = Route(candidate=False)


@dataclass(frozen=True)
class Endpoints:
    """In-cluster addresses a load test aims at (Service name and port in the plan's namespace)."""

    baseline_service: str | None
    candidate_service: str | None
    port: int
    public_service: str | None = None  # what users hit (the router's entry point)
    hosts: tuple[str, ...] = ()

    def url(self, service: str | None, namespace: str) -> str | None:
        return None if service is None else f"http://{service}.{namespace}.svc:{self.port}"


@dataclass(frozen=True)
class Step:
    """One unit of progress; the executor runs its parts in this order, each idempotent.

    apply → wait for `wait_for` Deployments to be rolled out (and for `wait_ready` pods) → set
    `route` → delete `delete` →
    pause → gate. A crash anywhere re-runs the whole step, which is safe because every part
    converges to a desired state rather than making a relative change.
    """

    kind: StepKind
    description: str
    apply: tuple[Manifest, ...] = ()
    wait_for: tuple[str, ...] = ()  # Deployment names
    # Wait until this many pods matching these labels are ready (rolling: the first new pods),
    # as [labels, count]; the route objects written after it pause the Deployment there.
    wait_ready: tuple[dict[str, str], int] | None = None
    route: Route | None = None
    route_objects: tuple[Manifest, ...] = ()  # what `route` means for this router, pre-rendered
    delete: tuple[ObjectRef, ...] = ()
    pause: float | None = None  # seconds; math.inf waits for `ai-deploy-ci promote`
    analysis: float | None = None  # gate duration in seconds (0: the analysis default)
    weight: int | None = None  # candidate's share of live traffic after this step

    @property
    def is_gate(self) -> bool:
        return self.analysis is not None


@dataclass(frozen=True)
class Plan:
    """Everything one run does, plus what it may touch (for snapshot, RBAC and clean-up)."""

    name: str
    namespace: str
    strategy: str
    router: str
    run_id: str
    candidate_version: str
    baseline_version: str | None
    steps: tuple[Step, ...]
    touches: tuple[ObjectRef, ...]  # every object any step (or the rollback) may write
    endpoints: Endpoints
    annotations: dict[str, str] = field(default_factory=dict)
    route_refs: tuple[ObjectRef, ...] = ()  # the router's objects: rollback writes these first
    stable_hpa: tuple[int, int] | None = None  # bounds of an HPA sizing stable: its count is the HPA's

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    def digest(self) -> str:
        """Identifies the plan's content minus the run id, so a re-run can tell 'same deploy'."""
        data = self.to_json()
        data.pop("run_id", None)
        data.pop("annotations", None)
        text = json.dumps(data, sort_keys=True, default=str)
        text = text.replace(self.run_id, "<run>") if self.run_id else text
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        steps = tuple(_step_from_json(s) for s in data["steps"])
        return cls(
            name=data["name"],
            namespace=data["namespace"],
            strategy=data["strategy"],
            router=data["router"],
            run_id=data["run_id"],
            candidate_version=data["candidate_version"],
            baseline_version=data.get("baseline_version"),
            steps=steps,
            touches=tuple(ObjectRef(**r) for r in data["touches"]),
            endpoints=Endpoints(**{**data["endpoints"], "hosts": tuple(data["endpoints"].get("hosts", ()))}),
            annotations=dict(data.get("annotations", {})),
            route_refs=tuple(ObjectRef(**r) for r in data.get("route_refs", ())),
            stable_hpa=tuple(data["stable_hpa"]) if data.get("stable_hpa") else None,
        )


def _step_from_json(d: dict[str, Any]) -> Step:
    route = d.get("route")
    if route is not None:
        match = route.get("match")
        route = Route(**{**route, "match": RouteMatch(**match) if match else None})
    pause = d.get("pause")
    return Step(
        kind=d["kind"],
        description=d["description"],
        apply=tuple(d.get("apply", ())),
        wait_for=tuple(d.get("wait_for", ())),
        wait_ready=(dict(d["wait_ready"][0]), int(d["wait_ready"][1])) if d.get("wait_ready") else None,
        route=route,
        route_objects=tuple(d.get("route_objects", ())),
        delete=tuple(ObjectRef(**r) for r in d.get("delete", ())),
        pause=float("inf") if pause == "inf" else pause,
        analysis=d.get("analysis"),
        weight=d.get("weight"),
    )


def _jsonable(value: Any) -> Any:
    """asdict output with tuples as lists and infinity as the string "inf" (JSON has no inf)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value == float("inf"):
        return "inf"
    return value
