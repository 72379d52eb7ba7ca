"""The registry of kinds the server serves: group, version, plural, scope, subresources, verbs.

Built-in kinds are listed once here; CustomResourceDefinitions add and remove entries at run time,
so routing, discovery and validation all read this one table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One served resource in one group/version."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    subresources: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    categories: tuple[str, ...] = ()
    crd_schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    crd_name: str = ""  # set for custom resources
    stored: bool = True  # False for review kinds that are computed per request

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: objects are shared by all versions of a group (no conversion is needed here)."""
        return (self.group, self.plural)

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


def _b(
    group: str,
    version: str,
    kind: str,
    plural: str,
    namespaced: bool = True,
    sub: tuple[str, ...] = (),
    short: tuple[str, ...] = (),
    cats: tuple[str, ...] = (),
) -> ResourceType:
    return ResourceType(group, version, kind, plural, namespaced, sub, short, categories=cats)


BUILTINS: tuple[ResourceType, ...] = (
    _b("", "v1", "Namespace", "namespaces", False, ("status",), ("ns",)),
    _b("", "v1", "Node", "nodes", False, ("status",), ("no",)),
    _b("", "v1", "Pod", "pods", True, ("status", "log", "binding", "eviction"), ("po",), ("all",)),
    _b("", "v1", "Service", "services", True, ("status",), ("svc",), ("all",)),
    _b("", "v1", "Endpoints", "endpoints", True, (), ("ep",)),
    _b("", "v1", "ConfigMap", "configmaps", True, (), ("cm",)),
    _b("", "v1", "Secret", "secrets", True),
    _b("", "v1", "Event", "events", True, (), ("ev",)),
    _b("", "v1", "ServiceAccount", "serviceaccounts", True, (), ("sa",)),
    _b("apps", "v1", "Deployment", "deployments", True, ("status", "scale"), ("deploy",), ("all",)),
    _b("apps", "v1", "ReplicaSet", "replicasets", True, ("status", "scale"), ("rs",), ("all",)),
    _b("apps", "v1", "StatefulSet", "statefulsets", True, ("status", "scale"), ("sts",), ("all",)),
    _b("batch", "v1", "Job", "jobs", True, ("status",), (), ("all",)),
    _b("coordination.k8s.io", "v1", "Lease", "leases", True),
    _b("networking.k8s.io", "v1", "Ingress", "ingresses", True, ("status",), ("ing",)),
    _b("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    _b("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    _b(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        True,
        ("status",),
        ("hpa",),
        ("all",),
    ),
    _b("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("status",), ("pdb",)),
    _b("events.k8s.io", "v1", "Event", "events", True, (), ("ev",)),
    ResourceType(
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        False,
        verbs=("create",),
        stored=False,
    ),
    _b(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        ("status",),
        ("crd", "crds"),
    ),
)


class Registry:
    """Thread-safe lookup of served resources by (group, version, plural) and by kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {}
        for rt in BUILTINS:
            self._by_gvr[(rt.group, rt.version, rt.plural)] = rt

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._by_gvr.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for rt in self._by_gvr.values():
                if rt.group == group and rt.version == version and rt.kind == kind:
                    return rt
        return None

    def by_key(self, key: tuple[str, str]) -> ResourceType | None:
        """Any served version of a storage key (the first registered, i.e. the preferred one)."""
        with self._lock:
            for rt in self._by_gvr.values():
                if rt.key == key:
                    return rt
        return None

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._by_gvr.values())

    def add(self, rt: ResourceType) -> None:
        with self._lock:
            self._by_gvr[(rt.group, rt.version, rt.plural)] = rt

    def remove_crd(self, crd_name: str) -> None:
        with self._lock:
            for k, rt in list(self._by_gvr.items()):
                if rt.crd_name == crd_name:
                    del self._by_gvr[k]

    def group_versions(self) -> dict[str, list[str]]:
        """Group → versions, preferred first (the order of registration)."""
        out: dict[str, list[str]] = {}
        with self._lock:
            for rt in self._by_gvr.values():
                versions = out.setdefault(rt.group, [])
                if rt.version not in versions:
                    versions.append(rt.version)
        return out
