"""Recording core/v1 Events the way components do: one object per (object, reason, message), with
`count` and `lastTimestamp` bumped on repeats (so a crash loop does not create thousands)."""

from __future__ import annotations

import threading
import uuid

from ..errors import ApiError
from ..rest import Api
from ..store import Obj


class Recorder:
    def __init__(self, api: Api) -> None:
        self.api = api
        self._seen: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def event(self, obj: Obj, etype: str, reason: str, message: str, component: str) -> None:
        rt = self.api.registry.get("", "v1", "events")
        assert rt is not None
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), reason, message)
        now = self.api.clock.stamp()
        with self._lock:
            existing = self._seen.get(key)
        if existing:
            current = self.api.store.get(rt.key, ns, existing)
            if current is not None:
                current["count"] = int(current.get("count", 1)) + 1
                current["lastTimestamp"] = now
                try:
                    self.api.update(rt, ns, existing, current, internal=True)
                    return
                except ApiError:
                    pass
        name = f"{meta['name']}.{uuid.uuid4().hex[:16]}"
        body: Obj = {
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {
                "kind": obj.get("kind"),
                "apiVersion": obj.get("apiVersion"),
                "name": meta["name"],
                "namespace": meta.get("namespace"),
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "type": etype,
            "count": 1,
            "source": {"component": component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "reportingComponent": component,
            "reportingInstance": "",
        }
        try:
            self.api.create(rt, ns, body, internal=True)
        except ApiError:
            return
        with self._lock:
            self._seen[key] = name
