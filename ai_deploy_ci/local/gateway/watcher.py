"""Keep a local copy of the cluster's routing objects with list + watch through the official client.

One daemon thread per kind: list (remember `resourceVersion`), then watch from it; on a
`410 Gone`, a broken stream or the server-side timeout, list again. A kind whose CRD is not
installed (404) is polled every `absent_poll_s` until it appears, so installing the Gateway API
CRD mid-test works. Objects are kept as the API's JSON (`_preload_content=False`), which is
what the pure routing code reads; the callback fires after every change.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes.client.rest import ApiException

Key = tuple[str, str]


@dataclass(frozen=True)
class Kind:
    name: str  # the Snapshot field
    group: str = ""  # "" → a typed core/networking call
    version: str = ""
    plural: str = ""


KINDS: tuple[Kind, ...] = (
    Kind("services"),
    Kind("pods"),
    Kind("endpoints"),
    Kind("ingresses"),
    Kind("httproutes", "gateway.networking.k8s.io", "v1", "httproutes"),
    Kind("virtualservices", "networking.istio.io", "v1", "virtualservices"),
    Kind("destinationrules", "networking.istio.io", "v1", "destinationrules"),
)


class ClusterWatcher:
    """Caches `{kind: {(namespace, name): object}}`; `synced` once every kind was listed once."""

    def __init__(
        self,
        api_client: client.ApiClient,
        on_change: Callable[[str], None],
        *,
        watch_timeout_s: int = 30,
        absent_poll_s: float = 0.5,
    ):
        self.api_client = api_client
        self.on_change = on_change
        self.watch_timeout_s = watch_timeout_s
        self.absent_poll_s = absent_poll_s
        self.objects: dict[str, dict[Key, dict[str, Any]]] = {k.name: {} for k in KINDS}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._listed: dict[str, threading.Event] = {k.name: threading.Event() for k in KINDS}
        self._streams: dict[str, Any] = {}
        self._threads: list[threading.Thread] = []
        self.errors = 0

    def start(self) -> ClusterWatcher:
        for kind in KINDS:
            t = threading.Thread(
                target=self._run, args=(kind,), name=f"gateway-watch-{kind.name}", daemon=True
            )
            t.start()
            self._threads.append(t)
        return self

    def wait_synced(self, timeout: float) -> bool:
        return all(e.wait(timeout) for e in self._listed.values())

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        for stream in list(self._streams.values()):
            with contextlib.suppress(Exception):  # best effort: the thread is a daemon anyway
                stream.shutdown()  # unblocks a read parked on a quiet watch
        for t in self._threads:
            t.join(timeout)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return {name: list(objs.values()) for name, objs in self.objects.items()}

    # -- I/O -------------------------------------------------------------------------------
    def _call(self, kind: Kind, **kw: Any) -> Any:
        kw["_preload_content"] = False
        if kind.group:
            return client.CustomObjectsApi(self.api_client).list_cluster_custom_object(
                kind.group, kind.version, kind.plural, **kw
            )
        if kind.name == "ingresses":
            return client.NetworkingV1Api(self.api_client).list_ingress_for_all_namespaces(**kw)
        core = client.CoreV1Api(self.api_client)
        if kind.name == "endpoints":
            return core.list_endpoints_for_all_namespaces(**kw)
        return (
            core.list_service_for_all_namespaces
            if kind.name == "services"
            else core.list_pod_for_all_namespaces
        )(**kw)

    def _run(self, kind: Kind) -> None:
        while not self._stop.is_set():
            try:
                rv: str | None = self._list(kind)
                while not self._stop.is_set() and rv is not None:
                    rv = self._watch(kind, rv)
            except ApiException as exc:
                if exc.status == 404:  # CRD not installed (yet): empty, and poll for it
                    self._replace(kind.name, [])
                    self._listed[kind.name].set()
                    self._stop.wait(self.absent_poll_s)
                    continue
                self.errors += 1
                self._stop.wait(0.2)
            except Exception:
                self.errors += 1
                self._stop.wait(0.2)

    def _list(self, kind: Kind) -> str:
        resp = self._call(kind)
        data = json.loads(resp.data)
        self._replace(kind.name, data.get("items") or [])
        self._listed[kind.name].set()
        return str((data.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self, kind: Kind, rv: str) -> str | None:
        """Apply events until the stream ends; the last resourceVersion, or None to relist."""
        resp = self._call(
            kind,
            watch=True,
            resource_version=rv,
            allow_watch_bookmarks=True,
            timeout_seconds=self.watch_timeout_s,
        )
        self._streams[kind.name] = resp
        try:
            for event in _events(resp):
                obj = event.get("object") or {}
                kind_type = event.get("type")
                if kind_type == "ERROR":
                    return None  # 410 Gone (or another error): relist
                rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
                if kind_type != "BOOKMARK":
                    self._apply(kind.name, str(kind_type), obj)
                if self._stop.is_set():
                    break
        finally:
            self._streams.pop(kind.name, None)
            resp.release_conn()
        return rv

    # -- cache -----------------------------------------------------------------------------
    def _replace(self, name: str, items: list[dict[str, Any]]) -> None:
        fresh = {_key(o): o for o in items}
        with self.lock:
            changed = fresh != self.objects[name]
            self.objects[name] = fresh
        if changed:
            self.on_change(name)

    def _apply(self, name: str, event_type: str, obj: dict[str, Any]) -> None:
        with self.lock:
            if event_type == "DELETED":
                self.objects[name].pop(_key(obj), None)
            else:
                self.objects[name][_key(obj)] = obj
        self.on_change(name)


def _key(obj: dict[str, Any]) -> Key:
    m = obj.get("metadata") or {}
    return str(m.get("namespace") or ""), str(m.get("name") or "")


def _events(resp: Any) -> Iterator[dict[str, Any]]:
    """JSON watch events from a chunked stream, one per line (lines may span chunks)."""
    buffer = b""
    for chunk in resp.stream(65536, decode_content=False):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield json.loads(line)
    if buffer.strip():
        yield json.loads(buffer)
