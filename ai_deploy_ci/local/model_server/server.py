"""HTTP/1.1 keep-alive server for `ModelApp`, with a graceful drain.

Responses go out in one send (status line, headers and body: `FastHandler.whole_response`), so
keep-alive clients never stall ~40 ms on delayed ACKs. Streams use chunked transfer encoding so
the connection stays reusable after `[DONE]`.

Drain (SIGTERM or `stop()`): readiness turns 503, the listener closes, in-flight requests
finish (bounded by `drain_timeout_s`), then idle keep-alive sockets are shut down.
"""

from __future__ import annotations

import signal
import threading
import time

from ai_deploy_ci.local.httpserver import FastHandler, LocalHTTPServer
from ai_deploy_ci.local.model_server.app import INFERENCE, ModelApp, Reply, json_reply
from ai_deploy_ci.local.model_server.knobs import Knobs
from ai_deploy_ci.local.model_server.slots import QueueFull
from ai_deploy_ci.local.model_server.timing import sleep_until

MAX_BODY = 8 * 1024 * 1024


class _Handler(FastHandler):
    server_version = "ai-deploy-ci-model-server"
    app: ModelApp  # set on the subclass made per server

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
            if app.endpoint(method, path) not in INFERENCE:
                self._answer(method, path, body, started, started)
                return
            try:
                with app.slots.hold() as admitted:  # the saturation model: wait for a free slot
                    self._answer(method, path, body, started, admitted)
            except QueueFull as exc:
                self._write(json_reply(503, {"error": f"server overloaded: {exc}"}), "other", started)
        finally:
            app.leave()

    def _answer(self, method: str, path: str, body: bytes, started: float, admitted: float) -> None:
        """Serve from `admitted` (deadlines and pacing), measure from `started` (queue included)."""
        app = self.app
        headers = {k.lower(): v for k, v in self.headers.items()}
        endpoint, reply = app.handle(method, path, body, admitted, headers)
        if app.draining:
            self.close_connection = True
        self._write(reply, endpoint, started)

    def _write(self, reply: Reply, endpoint: str, started: float) -> None:
        app = self.app
        head = [
            ("Date", self.date_time_string()),
            ("Content-Type", reply.content_type),
            ("x-model-version", app.knobs.model_version),
            *reply.headers.items(),
        ]
        try:
            if reply.stream is None:
                head_only = getattr(self, "command", "") == "HEAD"
                data = self.whole_response(reply.status, head, reply.body, head_only=head_only)
                if reply.not_before:
                    sleep_until(reply.not_before)
                self.wfile.write(data)
            else:
                self.send_chunked_head(reply.status, head)
                for event in reply.stream:
                    self.send_chunk(event)
                self.end_chunks()
        except OSError:  # the client went away; nothing to answer
            self.close_connection = True
            app.metrics.observe(endpoint, 499, time.perf_counter() - started)
            return
        app.metrics.observe(endpoint, reply.status, time.perf_counter() - started)


class ModelServer:
    """A running server: `start()` serves in a thread, `stop()` drains; `url` once bound."""

    def __init__(self, knobs: Knobs):
        self.knobs = knobs
        self.app = ModelApp(knobs)
        handler = type("Handler", (_Handler,), {"app": self.app})
        self.httpd = LocalHTTPServer((knobs.host, knobs.port), handler, name="model-server")
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ModelServer:
        self.httpd.start()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Drain and close; True if every in-flight request finished within the timeout."""
        if self._stopped.is_set():
            return True
        self._stopped.set()
        self.app.draining = True
        self.httpd.stop_accepting()
        idle = self.app.wait_idle(self.knobs.drain_timeout_s if timeout is None else timeout)
        self.httpd.close()  # then idle keep-alive sockets (and whatever outlived the drain) end
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
