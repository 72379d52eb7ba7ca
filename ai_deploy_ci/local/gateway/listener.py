"""The gateway's HTTP side: one handler class for the public listener and every ClusterIP:port.

A handler asks the current route table for a decision, queues mirrors (fire and forget),
forwards to a ready endpoint round-robin and relays the answer, adding `x-routed-to` (the
target key) so a test can see where a request went. Errors are answered the way Envoy words
them (`no healthy upstream` 503, `upstream connect error` 502) and counted.
"""

from __future__ import annotations

from ai_deploy_ci.local.gateway.core import GatewayCore
from ai_deploy_ci.local.gateway.objects import Request
from ai_deploy_ci.local.gateway.proxy import UpstreamError, drop_pool, forward, request_headers
from ai_deploy_ci.local.httpserver import FastHandler, LocalHTTPServer

MAX_BODY = 16 * 1024 * 1024


class ProxyHandler(FastHandler):
    timeout = 300  # idle client connections end eventually, so threads never pile up
    core: GatewayCore
    cluster_ip: tuple[str, int] | None = None  # None → the public listener

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            drop_pool()

    def do_GET(self) -> None:
        self._proxy()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _proxy(self) -> None:
        core = self.core
        try:
            size = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._answer(411 if size >= 0 else 400, b"send a valid Content-Length\n")
            return
        body = self.rfile.read(size) if size else b""
        req = Request.from_http(self.command, self.path, dict(self.headers.items()))
        table = core.table
        if self.cluster_ip is None:
            decision = table.decide_public(req, core.rng)
        else:
            decision = table.decide_cluster_ip(*self.cluster_ip, req, core.rng)
        headers = request_headers(self.headers.items(), self.client_address[0])
        for mirror in decision.mirrors:
            if core.rng.random() < mirror.fraction:
                core.mirrors.submit(table, mirror.target, self.command, self.path, headers, body)
        if decision.target is None:
            core.stats.count("no_route", str(decision.status))
            self._answer(decision.status, f"{decision.source}\n".encode())
            return
        key = decision.target.key
        endpoints = table.endpoints(decision.target)
        if not endpoints:
            core.stats.count("no_endpoints", key)
            self._answer(503, b"no healthy upstream\n", key)
            return
        try:
            upstream = forward(endpoints, core.next_index(key), self.command, self.path, headers, body)
        except (UpstreamError, OSError) as exc:
            core.stats.count("upstream_errors", key)
            self._answer(502, f"upstream connect error: {exc}\n".encode(), key)
            return
        core.stats.count("routed", key)
        head = [*upstream.headers, ("x-routed-to", key)]
        no_body = self.command == "HEAD" or upstream.status in (204, 304)
        try:
            if not upstream.streamed or no_body:
                data = b"".join(upstream.body)
                response = self.whole_response(
                    upstream.status, head, data, reason=upstream.reason, head_only=no_body
                )
                self.wfile.write(response)
            else:
                self.send_chunked_head(upstream.status, head, reason=upstream.reason)
                for chunk in upstream.body:
                    self.send_chunk(chunk)
                self.end_chunks()
        except OSError:
            self.close_connection = True
            upstream.body.close() if hasattr(upstream.body, "close") else None

    def _answer(self, status: int, body: bytes, key: str = "") -> None:
        head = [("Content-Type", "text/plain"), *([("x-routed-to", key)] if key else [])]
        try:
            self.wfile.write(self.whole_response(status, head, body))
        except OSError:
            self.close_connection = True


class Listener(LocalHTTPServer):
    """The public listener or one ClusterIP:port; `thread.start()` serves, `close()` ends it all."""

    def __init__(
        self, address: tuple[str, int], core: GatewayCore, cluster_ip: tuple[str, int] | None = None
    ):
        """`cluster_ip`: the Service address this listener stands for (it may differ from `address`
        when a privileged port had to be moved, see `Gateway.service_url`)."""
        handler = type("Handler", (ProxyHandler,), {"core": core, "cluster_ip": cluster_ip})
        super().__init__(address, handler, name="gateway")
