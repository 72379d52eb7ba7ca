"""The local traffic gateway: kube-proxy for every ClusterIP, plus one public ingress/mesh listener.

`Gateway(api_client).start()` lists and watches the cluster (official client), compiles a
route table on every change, keeps a listener on each Service's ClusterIP:port, and serves
the public listener at `.public_url`, routing by Host header through HTTPRoutes,
VirtualServices and NGINX Ingresses. `.stats()` counts what happened, for assertions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ai_deploy_ci.local.gateway.core import GatewayCore
from ai_deploy_ci.local.gateway.listener import Listener
from ai_deploy_ci.local.gateway.table import RouteTable, snapshot_from
from ai_deploy_ci.local.gateway.watcher import ClusterWatcher


class Gateway:
    """Start with `.start()`, stop with `.stop()`; `public_url`, `stats()`, `reset_stats()`,
    `wait_until(predicate)`. `cluster_ips=False` skips the per-Service listeners."""

    def __init__(
        self,
        api_client: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        cluster_ips: bool = True,
        sync_timeout_s: float = 10.0,
    ):
        self.core = GatewayCore(seed)
        self.public = Listener((host, port), self.core)
        self.public_url = f"http://{self.public.server_address[0]!s}:{self.public.server_address[1]}"
        self.cluster_ips = cluster_ips
        self.sync_timeout_s = sync_timeout_s
        self.listeners: dict[tuple[str, int], Listener] = {}
        self.bind_errors: dict[tuple[str, int], str] = {}
        self.moved: dict[tuple[str, int], int] = {}  # ClusterIP:port served on another port
        self._rebuild_lock = threading.Lock()
        self.watcher = ClusterWatcher(api_client, self._changed)
        self.generation = 0  # bumps on every rebuilt table
        self._stopped = False

    @property
    def table(self) -> RouteTable:
        return self.core.table

    def start(self) -> Gateway:
        self.public.thread.start()
        self.watcher.start()
        if not self.watcher.wait_synced(self.sync_timeout_s):
            self.stop()
            raise TimeoutError(f"gateway could not list the cluster within {self.sync_timeout_s} s")
        return self

    def stats(self) -> dict[str, dict[str, int]]:
        return self.core.stats.snapshot()

    def reset_stats(self) -> None:
        self.core.stats.reset()

    def wait_until(self, predicate: Callable[[RouteTable], bool], timeout: float = 10.0) -> bool:
        """Poll the current table (every 10 ms, bounded) until `predicate(table)` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.core.table):
                return True
            time.sleep(0.01)
        return predicate(self.core.table)

    def service_url(self, name: str, namespace: str = "default", port: int | None = None) -> str:
        """`http://<clusterIP>:<port>` of a Service, as actually listening: without root a privileged
        port, or a port another local cluster's gateway holds, is served on a free port of the same IP."""
        svc = self.core.table.services.get((namespace, name))
        if svc is None:
            raise KeyError(f"no Service {namespace}/{name} (yet)")
        spec = svc.get("spec") or {}
        number = port if port is not None else int(spec["ports"][0]["port"])
        address = (str(spec.get("clusterIP")), number)
        listener = self.listeners.get(address)
        if listener is None and self.cluster_ips:
            raise KeyError(
                f"no listener on {address[0]}:{number} for Service {namespace}/{name}: "
                + self.bind_errors.get(address, "not yet")
            )
        actual = int(listener.server_address[1]) if listener else number
        return f"http://{address[0]}:{actual}"

    def _changed(self, kind: str) -> None:
        with self._rebuild_lock:
            if self._stopped:
                return
            table = RouteTable(snapshot_from(self.watcher.snapshot()))
            if self.cluster_ips:  # listeners first: whoever sees the new table can connect at once
                self._reconcile(table.listeners())
            self.core.table = table
            self.generation += 1

    def _reconcile(self, wanted: set[tuple[str, int]]) -> None:
        for address in set(self.listeners) - wanted:
            self.moved.pop(address, None)
            threading.Thread(target=self.listeners.pop(address).close, daemon=True).start()
        for address in wanted - set(self.listeners):
            try:
                listener = Listener(address, self.core, cluster_ip=address)
            except OSError as first:  # not root (port < 1024) or taken (another local cluster): move the port
                try:
                    listener = Listener((address[0], 0), self.core, cluster_ip=address)
                except OSError as exc:
                    self.bind_errors[address] = f"{first}; {exc}"
                    continue
                self.moved[address] = int(listener.server_address[1])
            self.bind_errors.pop(address, None)
            listener.thread.start()
            self.listeners[address] = listener

    def stop(self) -> None:
        with self._rebuild_lock:
            self._stopped = True
        self.watcher.stop()
        with self._rebuild_lock:
            listeners = [self.public, *self.listeners.values()]
            self.listeners.clear()
        for listener in listeners:
            if listener.thread.is_alive():
                listener.close()
            else:
                listener.server_close()
        self.core.mirrors.stop()
