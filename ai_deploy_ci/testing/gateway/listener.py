"""The gateway's HTTP side: one handler class for the public listener and every ClusterIP:port.

A handler asks the current route table for a decision, queues mirrors (fire and forget),
forwards to a ready endpoint round-robin and relays the answer, adding `x-routed-to` (the
target key) so a test can see where a request went. Errors are answered the way Envoy words
them (`no healthy upstream` 503, `upstream connect error` 502) and counted.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ai_deploy_ci.testing.gateway.objects import Request
from ai_deploy_ci.testing.gateway.proxy import UpstreamError, drop_pool, forward, request_headers

if TYPE_CHECKING:
    from ai_deploy_ci.testing.gateway.gateway import GatewayCore

MAX_BODY = 16 * 1024 * 1024


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300  # idle client connections end eventually, so threads never pile up
    core: GatewayCore
    cluster_ip: tuple[str, int] | None = None  # None → the public listener

    def log_message(self, format: str, *args: Any) -> None:
        pass

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
        head = [f"HTTP/1.1 {upstream.status} {upstream.reason}"]
        head += [f"{k}: {v}" for k, v in upstream.headers]
        head.append(f"x-routed-to: {key}")
        if self.close_connection:
            head.append("Connection: close")
        no_body = self.command == "HEAD" or upstream.status in (204, 304)
        try:
            if not upstream.streamed or no_body:
                data = b"".join(upstream.body)
                head.append(f"Content-Length: {len(data)}")
                self.wfile.write(
                    ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if no_body else data)
                )
            else:
                head.append("Transfer-Encoding: chunked")
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
                for chunk in upstream.body:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
            upstream.body.close() if hasattr(upstream.body, "close") else None

    def _answer(self, status: int, body: bytes, key: str = "") -> None:
        head = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            "Content-Type: text/plain",
            f"Content-Length: {len(body)}",
        ]
        if key:
            head.append(f"x-routed-to: {key}")
        if self.close_connection:
            head.append("Connection: close")
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        except OSError:
            self.close_connection = True


class Listener(ThreadingHTTPServer):
    """A ThreadingHTTPServer that remembers its client sockets so `close()` ends them all."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(
        self, address: tuple[str, int], core: GatewayCore, cluster_ip: tuple[str, int] | None = None
    ):
        """`cluster_ip`: the Service address this listener stands for (it may differ from `address`
        when a privileged port had to be moved, see `Gateway.service_url`)."""
        handler = type("Handler", (ProxyHandler,), {"core": core, "cluster_ip": cluster_ip})
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        super().__init__(address, handler)
        self.thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"gateway-{address[0]}:{self.server_address[1]}",
            daemon=True,
        )

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._sockets_lock:
            self._sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self._sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close(self) -> None:
        """Stop accepting, close the socket, end open client connections."""
        self.shutdown()
        self.server_close()
        with self._sockets_lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
