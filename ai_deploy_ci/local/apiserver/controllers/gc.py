"""Garbage collector (dependents whose owners are gone; foreground deletion) and the namespace
controller (a Terminating namespace empties, then disappears)."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from .. import mutations
from ..errors import ApiError
from ..store import Obj
from .base import Controller


class GarbageCollector(Controller):
    def sync(self, now: float) -> float | None:
        objects = self.api.store.all_objects()
        uids = {o["metadata"].get("uid") for _, o in objects}
        dependents: dict[str, list[tuple[tuple[str, str], Obj]]] = {}
        for key, obj in objects:
            for ref in obj["metadata"].get("ownerReferences") or []:
                dependents.setdefault(ref.get("uid"), []).append((key, obj))
        for key, obj in objects:
            meta = obj["metadata"]
            refs = meta.get("ownerReferences") or []
            if refs and not any(r.get("uid") in uids for r in refs) and not meta.get("deletionTimestamp"):
                self._delete(key, obj)
            if meta.get("deletionTimestamp") and "foregroundDeletion" in (meta.get("finalizers") or []):
                waiting = dependents.get(meta["uid"], [])
                for dkey, dep in waiting:
                    if not dep["metadata"].get("deletionTimestamp"):
                        self._delete(dkey, dep, "Foreground")
                if not waiting:
                    self._finish(key, obj)
        return None

    def _delete(self, key: tuple[str, str], obj: Obj, policy: str = "Background") -> None:
        rt = self.api.registry.by_key(key)
        if rt is None:
            return
        meta = obj["metadata"]
        with contextlib.suppress(ApiError):
            mutations.delete(
                self.api, rt, meta.get("namespace", ""), meta["name"], {"propagationPolicy": policy}
            )

    def _finish(self, key: tuple[str, str], obj: Obj) -> None:
        rt = self.api.registry.by_key(key)
        if rt is None:
            return
        new = copy.deepcopy(obj)
        new["metadata"]["finalizers"] = [
            f for f in new["metadata"]["finalizers"] if f != "foregroundDeletion"
        ]
        self.write(rt, self.api.render(rt, new))


class NamespaceController(Controller):
    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.ns_rt = self.rt("", "v1", "namespaces")

    def sync(self, now: float) -> float | None:
        for ns in self.api.store.list(self.ns_rt.key):
            if not ns["metadata"].get("deletionTimestamp"):
                continue
            name = ns["metadata"]["name"]
            remaining = 0
            for rt in self.api.registry.all():
                if not rt.namespaced or not rt.stored:
                    continue
                for obj in self.api.store.list(rt.key, name):
                    remaining += 1
                    if not obj["metadata"].get("deletionTimestamp"):
                        with contextlib.suppress(ApiError):
                            mutations.delete(self.api, rt, name, obj["metadata"]["name"], {})
            if remaining == 0:
                with contextlib.suppress(LookupError):
                    self.api.store.delete(self.ns_rt.key, "", name)
        return None
