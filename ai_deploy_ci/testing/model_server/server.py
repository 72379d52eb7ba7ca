"""HTTP/1.1 keep-alive server for `ModelApp`, with a graceful drain.

Why the hand-written response writing: `BaseHTTPRequestHandler.send_response` + `wfile.write`
costs two syscalls per response and, with Nagle on, can stall keep-alive clients ~40 ms on
delayed ACKs. We disable Nagle and send status line, headers and body in one `sendall`.
Streams use chunked transfer encoding so the connection stays reusable after `[DONE]`.

Drain (SIGTERM or `stop()`): readiness turns 503, the listener closes, in-flight requests
finish (bounded by `drain_timeout_s`), then idle keep-alive sockets are shut down.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ai_deploy_ci.testing.model_server.app import ModelApp, Reply, json_reply
from ai_deploy_ci.testing.model_server.knobs import Knobs
from ai_deploy_ci.testing.model_server.timing import sleep_until

MAX_BODY = 8 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "ai-deploy-ci-model-server"
    app: ModelApp  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def parse_request(self) -> bool:
        self.started = time.perf_counter()  # service time starts when the request line is in
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve(self.command)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (bad request line, oversized headers) also carry x-model-version."""
        self.close_connection = True
        self._write(
            json_reply(code, {"error": message or self.responses.get(code, ("",))[0]}),
            "other",
            getattr(self, "started", time.perf_counter()),
        )

    def _serve(self, method: str) -> None:
        started = self.started
        app = self.app
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._write(json_reply(411, {"error": "send a Content-Length"}), "other", started)
            return
        try:
            size = int(length or 0)
            if size < 0 or size > MAX_BODY:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._write(json_reply(413, {"error": "bad or too large Content-Length"}), "other", started)
            return
        body = self.rfile.read(size) if size else b""
        path = self.path.split("?", 1)[0]
        app.enter()
        try:
            endpoint, reply = app.handle(method, path, body, started)
            if app.draining:
                self.close_connection = True
            self._write(reply, endpoint, started)
        finally:
            app.leave()

    def _write(self, reply: Reply, endpoint: str, started: float) -> None:
        app = self.app
        head = [
            f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}",
            f"Date: {formatdate(usegmt=True)}",
            f"Content-Type: {reply.content_type}",
            f"x-model-version: {app.knobs.model_version}",
        ]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        if self.close_connection:
            head.append("Connection: close")
        try:
            if reply.stream is None:
                head.append(f"Content-Length: {len(reply.body)}")
                body = b"" if getattr(self, "command", "") == "HEAD" else reply.body
                data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
                if reply.not_before:
                    sleep_until(reply.not_before)
                self.wfile.write(data)
            else:
                head.append("Transfer-Encoding: chunked")
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
                for event in reply.stream:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away; nothing to answer
            self.close_connection = True
            app.metrics.observe(endpoint, 499, time.perf_counter() - started)
            return
        app.metrics.observe(endpoint, reply.status, time.perf_counter() - started)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handler: type[_Handler]):
        self.open_sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (load generators do, by thousands) are not errors worth a traceback."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def close_idle(self) -> None:
        """Unblock handler threads parked on keep-alive reads so they exit."""
        with self._sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class ModelServer:
    """A running server: `start()` serves in a thread, `stop()` drains; `url` once bound."""

    def __init__(self, knobs: Knobs):
        self.knobs = knobs
        self.app = ModelApp(knobs)
        handler = type("Handler", (_Handler,), {"app": self.app})
        self.httpd = _HTTPServer((knobs.host, knobs.port), handler)
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ModelServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"model-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Drain and close; True if every in-flight request finished within the timeout."""
        if self._stopped.is_set():
            return True
        self._stopped.set()
        self.app.draining = True
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()
        idle = self.app.wait_idle(self.knobs.drain_timeout_s if timeout is None else timeout)
        self.httpd.close_idle()
        return idle

    def serve_until_signal(self) -> int:
        """Foreground mode for the CLI: serve until SIGTERM/SIGINT, then drain and return 0."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.start()
        while not stop.wait(0.5):
            pass
        self.stop()
        return 0
