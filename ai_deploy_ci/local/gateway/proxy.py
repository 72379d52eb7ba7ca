"""Forwarding one HTTP request to an upstream pod, over pooled keep-alive connections.

Each handler thread (one per client connection) keeps its own upstream connections in a
thread-local pool, so there is no lock on the hot path. A request is retried on another
endpoint only when nothing can have reached the application: the connection was refused, or
a pooled keep-alive connection turned out to be closed by the server (it drained or restarted)
— what Envoy's default `connect-failure,reset` retry would do for a rolling update.
Streaming responses (SSE, chunked) are relayed chunk by chunk.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
UPSTREAM_TIMEOUT_S = 60.0

_local = threading.local()


@dataclass
class Upstream:
    """A response being relayed; `body` yields the payload (whole, or chunk by chunk)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    streamed: bool  # chunked / unknown length → relay with chunked encoding
    body: Iterator[bytes]
    length: int | None


class UpstreamError(Exception):
    """Every endpoint tried failed before answering."""


def _pool() -> dict[tuple[str, int], http.client.HTTPConnection]:
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    return pool


def _connection(address: tuple[str, int]) -> tuple[http.client.HTTPConnection, bool]:
    """A pooled connection (reused=True) or a new one."""
    pool = _pool()
    conn = pool.get(address)
    if conn is not None:
        return conn, True
    conn = http.client.HTTPConnection(address[0], address[1], timeout=UPSTREAM_TIMEOUT_S)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pool[address] = conn
    return conn, False


def _discard(address: tuple[str, int]) -> None:
    conn = _pool().pop(address, None)
    if conn is not None:
        conn.close()


def _send(
    address: tuple[str, int], method: str, path: str, headers: Mapping[str, str], body: bytes
) -> http.client.HTTPResponse:
    conn, reused = _connection(address)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        return conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
        _discard(address)
        if reused:  # a stale keep-alive connection: the request never reached the app
            raise _Stale from exc
        raise
    except Exception:
        _discard(address)
        raise


class _Stale(Exception):
    pass


def forward(
    endpoints: list[tuple[str, int]],
    start: int,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    attempts: int = 3,
) -> Upstream:
    """Send to endpoints[start], moving on to the next one on a refused or stale connection."""
    last: Exception | None = None
    tries = 0
    index = start
    while tries < attempts + 1 and endpoints:
        address = endpoints[index % len(endpoints)]
        tries += 1
        try:
            resp = _send(address, method, path, headers, body)
        except _Stale as exc:
            last = exc
            try:
                resp = _send(address, method, path, headers, body)  # same pod, fresh connection
            except (ConnectionRefusedError, _Stale) as exc2:
                last = exc2
                index += 1
                continue
        except ConnectionRefusedError as exc:
            last = exc
            index += 1
            continue
        return _relay(resp, address)
    raise UpstreamError(f"no endpoint answered ({last!r})")


def _relay(resp: http.client.HTTPResponse, address: tuple[str, int]) -> Upstream:
    headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
    length = resp.getheader("Content-Length")
    chunked = "chunked" in (resp.getheader("Transfer-Encoding") or "").lower()
    if not resp.will_close and not chunked and length is not None:
        data = resp.read()
        return Upstream(resp.status, resp.reason, headers, False, iter([data]), len(data))

    def stream() -> Iterator[bytes]:
        finished = False
        try:
            while True:
                data = resp.read1(65536)
                if not data:
                    finished = True
                    break
                yield data
        finally:  # an abandoned or broken stream leaves the connection unusable
            if not finished or resp.will_close:
                _discard(address)

    return Upstream(resp.status, resp.reason, headers, True, stream(), None)


def request_headers(raw: Mapping[str, str] | list[tuple[str, str]], client_ip: str) -> dict[str, str]:
    """Headers to send upstream: hop-by-hop removed, X-Forwarded-For appended, Host kept."""
    items = raw.items() if isinstance(raw, Mapping) else raw
    out: dict[str, str] = {}
    for name, value in items:
        if name.lower() not in HOP_BY_HOP:
            out[name] = value
    prior = out.pop("X-Forwarded-For", None) or out.pop("x-forwarded-for", None)
    out["X-Forwarded-For"] = f"{prior}, {client_ip}" if prior else client_ip
    return out


def drop_pool() -> None:
    """Close this thread's upstream connections (a handler thread ending)."""
    for address in list(_pool()):
        _discard(address)
