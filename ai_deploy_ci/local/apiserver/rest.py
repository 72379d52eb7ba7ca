"""The REST verbs on stored objects: create, get, list, update, patch, delete (HTTP-free).

`Api` is what both the HTTP layer and the controllers call, so objects written by controllers get
the same metadata bookkeeping (uid, resourceVersion, generation, timestamps) as those from clients;
controllers skip validation (`internal=True`) as kube-controller-manager's writes are trusted here.
"""

from __future__ import annotations

import base64
import builtins
import copy
import json
import random
import uuid
from collections.abc import Callable

from . import defaults, quantities, semantics, validation
from .allocations import on_create
from .clock import Clock
from .crds import CrdManager
from .errors import ApiError, already_exists, bad_request, conflict, not_found
from .faults import Faults
from .ipam import IpAllocator
from .metrics import MetricsStandIn
from .resources import Registry, ResourceType
from .selectors import parse_field_selector, parse_label_selector
from .store import Obj, Store

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


# Status zero values as a real server serialises them: fields without `omitempty` appear (the
# typed client rejects a ReplicaSet status without `replicas`).
_INITIAL_STATUS: dict[str, Obj] = {
    "Pod": {"phase": "Pending"},
    "ReplicaSet": {"replicas": 0},
    "HorizontalPodAutoscaler": {"currentReplicas": 0, "desiredReplicas": 0},
    "Service": {"loadBalancer": {}},
}


def _spec_view(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Api:
    """Verb implementations over one Store and Registry."""

    def __init__(self, store: Store, registry: Registry, clock: Clock, faults: Faults) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.faults = faults
        self.crds = CrdManager(self)
        self.cluster_ips = IpAllocator("127.20")
        self.pod_ips = IpAllocator("127.10")
        self._rng = random.Random()
        self.metrics = MetricsStandIn()  # what the HPA controller reads (no metrics-server here)
        # Set by the kubelet: (pod, container) → output text; the default serves no process output.
        self.log_source: Callable[[Obj, str], str] = lambda pod, container: ""

    def logs(self, pod: Obj, container: str) -> str:
        return self.log_source(pod, container)

    # --- helpers -------------------------------------------------------------------------------
    def render(self, rt: ResourceType, obj: Obj) -> Obj:
        """An object as seen through `rt`'s group/version (stored objects are version-neutral)."""
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
        return obj

    def _require(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.store.get(rt.key, namespace, name)
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return obj

    def _check_namespace(self, rt: ResourceType, namespace: str) -> None:
        if not rt.namespaced:
            return
        ns = self.store.get(("", "namespaces"), "", namespace)
        if ns is None:
            raise ApiError(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if ns.get("metadata", {}).get("deletionTimestamp"):
            raise ApiError(
                403,
                "Forbidden",
                f'{rt.plural} "{""}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated",
            )

    def _validate(
        self, rt: ResourceType, obj: Obj, strict: bool, old: Obj | None, *, status: bool = False
    ) -> list[str]:
        """Schema and semantic checks. A write to the main resource carries the stored status
        along unchanged, so only a /status write has its status validated (as a real server)."""
        checked = obj if status else {k: v for k, v in obj.items() if k != "status"}
        validation.check_kind(checked, rt)
        warnings = (
            validation.validate_custom(checked, rt, strict)
            if rt.crd_name
            else validation.validate_builtin(checked, rt, strict)
        )
        if checked is not obj:  # keep what validation defaulted or pruned; the status rides along
            kept = obj.get("status")
            obj.clear()
            obj.update(checked)
            if kept is not None:
                obj["status"] = kept
        if not rt.crd_name:
            quantities.canonicalize(obj, rt)
        defaults.apply(obj)
        if not rt.crd_name:
            semantics.check(obj, rt, old)
        if rt.kind == "CustomResourceDefinition":
            self.crds.check(obj)
        return warnings

    # --- verbs ---------------------------------------------------------------------------------
    def create(
        self,
        rt: ResourceType,
        namespace: str,
        body: Obj,
        *,
        strict: bool = False,
        internal: bool = False,
        dry_run: bool = False,
    ) -> tuple[Obj, builtins.list[str]]:
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if rt.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(self._rng.choice(_NAME_CHARS) for _ in range(5))
        warnings: builtins.list[str] = []
        if not internal:
            if meta.get("resourceVersion"):
                raise bad_request("resourceVersion should not be set on objects to be created")
            warnings = self._validate(rt, obj, strict, None)
            self._check_namespace(rt, namespace)
            if rt.has_status:  # the controllers' to write; a real server answers its zero value
                obj["status"] = copy.deepcopy(_INITIAL_STATUS.get(rt.kind, {}))
        else:
            obj.setdefault("apiVersion", rt.api_version)
            obj.setdefault("kind", rt.kind)
            defaults.apply(obj)
        for k in (
            "uid",
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
        ):
            meta.pop(k, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = self.clock.stamp()
        if rt.has_status or rt.crd_name:
            meta["generation"] = 1
        on_create(rt, obj, self.cluster_ips)
        if dry_run:
            return self.render(rt, obj), warnings
        with self.store.lock:
            if self.store.get(rt.key, meta.get("namespace", ""), meta["name"]) is not None:
                raise already_exists(rt.plural, rt.group, meta["name"])
            stored = self.store.create(rt.key, obj)
        if rt.kind == "CustomResourceDefinition":
            self.crds.established(stored)
        return self.render(rt, stored), warnings

    def get(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        return self.render(rt, self._require(rt, namespace, name))

    def list(self, rt: ResourceType, namespace: str | None, params: dict[str, str]) -> Obj:
        labels = parse_label_selector(params.get("labelSelector"))
        fields = parse_field_selector(params.get("fieldSelector"), rt.plural)
        with self.store.lock:
            rv = self.store.resource_version
            items = [
                o
                for o in self.store.list(rt.key, namespace)
                if labels(o["metadata"].get("labels") or {}) and fields(o)
            ]
        start = 0
        if params.get("continue"):
            try:
                token = json.loads(base64.urlsafe_b64decode(params["continue"]))
                start = next(
                    (
                        i
                        for i, o in enumerate(items)
                        if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > tuple(token["k"])
                    ),
                    len(items),
                )
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid") from None
        items = items[start:]
        meta: Obj = {"resourceVersion": str(rv)}
        limit = int(params.get("limit") or 0)
        if limit and len(items) > limit:
            last = items[limit - 1]["metadata"]
            key = [last.get("namespace", ""), last["name"]]
            meta["continue"] = base64.urlsafe_b64encode(json.dumps({"k": key, "rv": rv}).encode()).decode()
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        return {
            "kind": f"{rt.kind}List",
            "apiVersion": rt.api_version,
            "metadata": meta,
            "items": [self.render(rt, o) for o in items],
        }

    def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: Obj,
        *,
        strict: bool = False,
        sub: str = "",
        internal: bool = False,
        dry_run: bool = False,
    ) -> tuple[Obj, builtins.list[str]]:
        """PUT semantics, shared by patch: 409 on a stale resourceVersion, status kept apart from spec."""
        new = copy.deepcopy(body)
        if not isinstance(new, dict):
            raise bad_request("the body of the request must be a JSON object")
        meta = new.setdefault("metadata", {})
        if meta.get("name") not in (None, name):
            raise bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        with self.store.lock:
            old = self._require(rt, namespace, name)
            expect = meta.get("resourceVersion") or None
            if expect and expect != old["metadata"]["resourceVersion"]:
                raise conflict(rt.plural, rt.group, name)
            if sub == "status":
                merged = copy.deepcopy(old)
                merged["status"] = new.get("status", {})
                new = merged
            elif rt.has_status:
                new["status"] = copy.deepcopy(old.get("status"))
                if new["status"] is None:
                    new.pop("status")
            meta = new.setdefault("metadata", {})
            for k in (
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ):
                if k in old["metadata"]:
                    meta[k] = old["metadata"][k]
                else:
                    meta.pop(k, None)
            meta["name"] = name
            if rt.namespaced:
                meta["namespace"] = namespace
            warnings: builtins.list[str] = []
            if not internal:
                warnings = self._validate(rt, new, strict, old, status=sub == "status")
            else:
                new.setdefault("apiVersion", rt.api_version)
                new.setdefault("kind", rt.kind)
            if "generation" in old["metadata"] and _spec_view(new) != _spec_view(old):
                meta["generation"] = int(old["metadata"]["generation"]) + 1
            if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                if dry_run:
                    return self.render(rt, new), warnings
                gone = self.store.delete(rt.key, namespace, name)
                return self.render(rt, gone), warnings
            if dry_run:
                return self.render(rt, new), warnings
            try:
                stored = self.store.update(rt.key, new, old["metadata"]["resourceVersion"])
            except (LookupError, ValueError):
                raise conflict(rt.plural, rt.group, name) from None
        if rt.kind == "CustomResourceDefinition":
            self.crds.established(stored)
        return self.render(rt, stored), warnings

    def mark_deleting(self, rt: ResourceType, obj: Obj, grace: int | None) -> Obj:
        """Graceful deletion: set deletionTimestamp; the kubelet / finalizer owner completes it."""
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp"):
            meta["deletionTimestamp"] = self.clock.stamp(self.clock.now() + (grace or 0))
            meta["deletionGracePeriodSeconds"] = grace or 0
            if "generation" in meta:
                meta["generation"] = int(meta["generation"]) + 1
        stored = self.store.update(rt.key, obj)
        return self.render(rt, stored)
