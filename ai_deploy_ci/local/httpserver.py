"""The plumbing every local HTTP stand-in shares (API server, GitHub API, gateway, model server).

`LocalHTTPServer` is a `ThreadingHTTPServer` that
- remembers its open client sockets, so `close()` ends idle keep-alive connections, watch
  streams and half-sent streaming responses at once instead of leaving them to the client;
- keeps quiet about clients that hang up (an `OSError` out of a handler is not worth a traceback);
- serves from a daemon thread (`start()`) and stops within a bound (`close()`), in two steps for
  servers that drain: `stop_accepting()`, wait for in-flight requests, then `close()`.

`FastHandler` is the handler side: HTTP/1.1 keep-alive, no access log, TCP_NODELAY, and
responses written in one send (`wfile.write(whole_response(...))`), chunked streams with `send_chunked_head` /
`send_chunk` / `end_chunks`. Why one send: with Nagle on, a response written as headers then
body meets the client's delayed ACK and every keep-alive request costs ~40 ms instead of ~1 ms.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Headers = Iterable[tuple[str, str]]


def require_loopback(host: str, message: str) -> None:
    """Stand-ins used by tests bind to 127.0.0.0/8 only; `message` says which one refused."""
    if not host.startswith("127."):
        raise ValueError(message)


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that can be closed promptly, open connections included."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # bursts of clients, probes and watches must not see connection resets
    poll_interval = 0.05  # how long `shutdown()` may wait for the serve loop to notice

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, name: str = "http"
    ) -> None:
        self.stopping = threading.Event()  # set once closing starts: long-lived handlers end on it
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        super().__init__(address, handler)
        host, port = self.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=f"{name}-{host!s}:{port}",
            daemon=True,
        )

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        """Serve from the daemon thread `self.thread`."""
        self.thread.start()
        return self

    def stop_accepting(self) -> None:
        """Set `stopping`, end the serve loop (within `poll_interval`) and close the listening socket;
        connections already open stay open (see `close_connections`)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.shutdown()
        self.server_close()

    def close_connections(self) -> None:
        """Shut down every open client socket: handlers parked on a keep-alive read wake up to EOF,
        handlers writing a stream fail their next write, the clients see the connection end."""
        with self._sockets_lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, end open connections, wait (at most `timeout` s) for the serve thread."""
        self.stop_accepting()
        self.close_connections()
        if self.thread.ident is not None:
            self.thread.join(timeout)

    @property
    def open_connections(self) -> int:
        with self._sockets_lock:
            return len(self._sockets)

    # --- socketserver hooks ------------------------------------------------------------------
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._sockets_lock:
            self._sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self._sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (closed watches, load generators, killed deploys) are no error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FastHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler base: quiet, Nagle off, one write per (non-streamed) response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the stand-ins keep their own logs
        pass

    def standard_headers(self) -> list[tuple[str, str]]:
        """`Server` and `Date`, as `send_response` would add them."""
        return [("Server", self.version_string()), ("Date", self.date_time_string())]

    def response_head(self, status: int, headers: Headers, reason: str | None = None) -> bytes:
        """Status line and `headers`, plus `Connection: close` when this connection ends after it."""
        if reason is None:
            reason = self.responses.get(status, ("",))[0]
        self.log_request(status)
        lines = [f"{self.protocol_version} {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def whole_response(
        self,
        status: int,
        headers: Headers,
        body: bytes = b"",
        *,
        reason: str | None = None,
        head_only: bool = False,
    ) -> bytes:
        """A complete response with `Content-Length`, to write in one `self.wfile.write` (one send);
        `head_only` (HEAD, 204, 304) leaves the body out."""
        head = self.response_head(status, [*headers, ("Content-Length", str(len(body)))], reason)
        return head if head_only else head + body

    def send_chunked_head(self, status: int, headers: Headers, *, reason: str | None = None) -> None:
        """Start a chunked stream (the connection stays reusable after `end_chunks`)."""
        self.wfile.write(self.response_head(status, [*headers, ("Transfer-Encoding", "chunked")], reason))

    def send_chunk(self, data: bytes) -> None:
        if data:  # an empty chunk would end the stream
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
