"""Objects in memory with one global resourceVersion counter (as etcd's revision) and watch history.

Every committed change gets the next revision and is appended to a bounded history, which is what
watches replay from (`resourceVersion=N` → events after N; older than the history → 410 Expired).
Reads return deep copies so neither handlers nor controllers can corrupt stored state by accident.
"""

from __future__ import annotations

import builtins
import copy
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
Key = tuple[str, str]  # (group, plural)


@dataclass(frozen=True)
class Event:
    """One committed change; `old` is the previous state (None for ADDED) for selector transitions."""

    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: Key
    obj: Obj
    old: Obj | None


def _meta(obj: Obj) -> Obj:
    meta: Obj = obj.setdefault("metadata", {})
    return meta


class Store:
    """Thread-safe object store; `changed` is notified on every commit (watches and controllers
    wait on it)."""

    def __init__(self, history: int = 10000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[Key, dict[tuple[str, str], Obj]] = {}
        self._rv = 0
        self._history: deque[Event] = deque(maxlen=history)
        self._listeners: list[Callable[[Event], None]] = []

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def oldest_replayable(self) -> int:
        """The smallest resourceVersion a watch may start from (events after it are all still kept)."""
        with self.lock:
            return self._history[0].rv - 1 if self._history else self._rv

    def add_listener(self, fn: Callable[[Event], None]) -> None:
        """Called under the lock after each commit (keep it tiny: e.g. wake a controller loop)."""
        self._listeners.append(fn)

    def get(self, key: Key, namespace: str, name: str) -> Obj | None:
        with self.lock:
            obj = self._objects.get(key, {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, key: Key, namespace: str | None = None) -> builtins.list[Obj]:
        with self.lock:
            items = self._objects.get(key, {})
            out = [copy.deepcopy(o) for (ns, _), o in sorted(items.items()) if namespace in (None, ns)]
            return out

    def count(self, key: Key) -> int:
        with self.lock:
            return len(self._objects.get(key, {}))

    def _commit(self, type_: str, key: Key, obj: Obj, old: Obj | None) -> Obj:
        self._rv += 1
        _meta(obj)["resourceVersion"] = str(self._rv)
        event = Event(self._rv, type_, key, obj, old)
        self._history.append(event)
        for fn in self._listeners:
            fn(event)
        self.changed.notify_all()
        return copy.deepcopy(obj)

    def create(self, key: Key, obj: Obj) -> Obj:
        """Insert; the caller has checked for existence under `lock` or accepts a KeyError race."""
        obj = copy.deepcopy(obj)
        meta = _meta(obj)
        ident = (meta.get("namespace", ""), meta["name"])
        with self.lock:
            bucket = self._objects.setdefault(key, {})
            if ident in bucket:
                raise KeyError(ident)
            bucket[ident] = obj
            return self._commit("ADDED", key, obj, None)

    def update(self, key: Key, obj: Obj, expect_rv: str | None = None) -> Obj:
        """Replace; raises LookupError if gone, ValueError if `expect_rv` is stale (the caller maps both)."""
        obj = copy.deepcopy(obj)
        meta = _meta(obj)
        ident = (meta.get("namespace", ""), meta["name"])
        with self.lock:
            bucket = self._objects.get(key, {})
            old = bucket.get(ident)
            if old is None:
                raise LookupError(ident)
            if expect_rv and old["metadata"]["resourceVersion"] != expect_rv:
                raise ValueError(ident)
            bucket[ident] = obj
            return self._commit("MODIFIED", key, obj, old)

    def delete(self, key: Key, namespace: str, name: str, expect_rv: str | None = None) -> Obj:
        with self.lock:
            bucket = self._objects.get(key, {})
            old = bucket.get((namespace, name))
            if old is None:
                raise LookupError((namespace, name))
            if expect_rv and old["metadata"]["resourceVersion"] != expect_rv:
                raise ValueError((namespace, name))
            del bucket[(namespace, name)]
            gone = copy.deepcopy(old)
            return self._commit("DELETED", key, gone, old)

    def events_after(self, rv: int) -> builtins.list[Event]:
        """Events with revision > rv still in history (the caller checks rv against `oldest_replayable`)."""
        with self.lock:
            out = []
            for event in reversed(self._history):
                if event.rv <= rv:
                    break
                out.append(event)
            out.reverse()
            return out

    def snapshot(self, key: Key) -> tuple[int, builtins.list[Obj]]:
        """All objects of a key and the revision they are consistent with (a watch's initial state)."""
        with self.lock:
            return self._rv, self.list(key)

    def all_objects(self) -> builtins.list[tuple[Key, Obj]]:
        """Everything (references, not copies): for the garbage collector's owner index only."""
        with self.lock:
            return [(k, o) for k, bucket in self._objects.items() for o in bucket.values()]
