"""The TrafficRouter interface, in the spirit of Flagger's `pkg/router/router.go`.

Flagger's routers talk to the cluster themselves (Reconcile, SetRoutes, GetRoutes, Finalize).
Ours only *render*: each method returns the manifests that express a routing state, and the
executor writes them. That keeps every router testable without a cluster, lets the plan carry
pre-rendered route objects (so `ai-deploy-ci plan` shows exactly what will be written), and
makes a crash-resume idempotent: re-applying the same manifests converges.
A route object the user already has (an HTTPRoute, VirtualService, DestinationRule or Ingress
named in the spec) is not overwritten: the rendered object carries a merge directive, and the
executor splices only the model's part into the live object (`ai_deploy_ci.routers.merge`, pure).

Capabilities are declared, so validation can refuse a strategy its router cannot express
(a shadow through a plain Service) before anything touches a cluster.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route
from ai_deploy_ci.plan.objects import Names
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.capabilities import MATCH_NEEDS, Capability, capabilities
from ai_deploy_ci.spec.model import Spec


@dataclass(frozen=True)
class RouteChange:
    """Objects to write and objects to delete so that traffic matches a Route."""

    apply: tuple[Manifest, ...] = ()
    delete: tuple[ObjectRef, ...] = ()


class TrafficRouter(ABC):
    """Renders routing states for one router type; see the module docstring for why pure."""

    type: ClassVar[str]
    # True when the public Service selects both tracks (traffic split by replicas or by mesh
    # subsets); the run then adds a stable-only Service so a load test can aim at the baseline.
    mixed_stable_service: ClassVar[bool] = False

    def __init__(self, spec: Spec, state: ObservedState):
        self.spec = spec
        self.state = state
        self.names = Names.of(spec, self.mixed_stable_service)
        self.port = spec.server.port

    @property
    def capabilities(self) -> frozenset[Capability]:
        """From the one capability table validation also uses (`ai_deploy_ci.spec.capabilities`)."""
        return capabilities(self.type)

    def public_track(self, route: Route) -> objects.Track | None:
        """Which pods the public Service selects for `route` (None: both tracks)."""
        return None if self.mixed_stable_service else "stable"

    def reconcile(self, route: Route | None = None) -> tuple[Manifest, ...]:
        """Services every step relies on: the public one and, for mixed routers, the baseline one."""
        track = self.public_track(route or Route(candidate=False))
        out = [objects.service(self.spec, self.state, name=self.names.service, track=track)]
        if self.mixed_stable_service:
            out.append(
                objects.service(self.spec, self.state, name=self.names.baseline_service, track="stable")
            )
        return tuple(out)

    @abstractmethod
    def set_routes(self, route: Route) -> RouteChange:
        """The objects that make live traffic follow `route`."""

    @abstractmethod
    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        """Read the route back from live objects (None when the router holds no route yet)."""

    def finalize(self) -> RouteChange:
        """All traffic to stable, with no reference left to the candidate's objects."""
        return self.set_routes(Route(candidate=False))

    @abstractmethod
    def owned(self) -> tuple[ObjectRef, ...]:
        """Every object `set_routes` may write or delete (for snapshot, RBAC, clean-up)."""

    def check(self, route: Route) -> None:
        """Refuse a route this router cannot express (planning bugs fail loudly, never degrade)."""
        needs: set[Capability] = set()
        if route.candidate_weight not in (0, 100):
            needs.add(Capability.WEIGHTS)
        elif route.candidate_weight == 100:
            needs.add(Capability.SELECTOR_SWITCH)
        if route.match is not None:
            needs.add(MATCH_NEEDS[route.match.kind])
        if route.mirror_percent:
            needs.add(Capability.MIRROR)
        missing = needs - self.capabilities
        if missing:
            raise ValueError(f"router {self.type} cannot express {sorted(str(m) for m in missing)}")

    def ref(self, api_version: str, kind: str, name: str) -> ObjectRef:
        return ObjectRef(api_version, kind, self.names.namespace, name)

    def meta(self, name: str, extra_annotations: dict[str, str] | None = None) -> Manifest:
        return {
            "name": name,
            "namespace": self.names.namespace,
            "labels": objects.labels(self.spec),
            "annotations": {**objects.run_annotations(self.state), **(extra_annotations or {})},
        }
