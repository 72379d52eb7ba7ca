"""The stand-ins' shared HTTP plumbing (`ai_deploy_ci.local.httpserver`), on real 127.0.0.1 sockets."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ai_deploy_ci.local.httpserver import FastHandler, LocalHTTPServer, require_loopback

BOUND_S = 1.0  # "promptly": generous for a loaded 2-core runner, far below any idle timeout


class _Handler(FastHandler):
    streams_ended: threading.Event  # set on the per-test subclass

    def do_GET(self) -> None:
        if self.path == "/stream":  # a stream that never ends by itself, and never looks at `stopping`
            self.send_chunked_head(200, [("Content-Type", "text/plain")])
            try:
                for i in range(1000):
                    self.send_chunk(b"event %d\n" % i)
                    time.sleep(0.02)
                self.end_chunks()
            finally:
                self.streams_ended.set()
        elif self.path == "/boom":
            raise ValueError("a real bug")
        else:
            self.wfile.write(self.whole_response(200, [("Content-Type", "text/plain")], b"hello"))

    def do_HEAD(self) -> None:
        self.wfile.write(self.whole_response(200, [("Content-Type", "text/plain")], b"hello", head_only=True))


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    handler = type("H", (_Handler,), {"streams_ended": threading.Event()})
    srv = LocalHTTPServer(("127.0.0.1", 0), handler, name="test").start()
    try:
        yield srv
    finally:
        srv.close()


def _addr(srv: LocalHTTPServer) -> tuple[str, int]:
    host, port = srv.server_address[:2]
    return str(host), int(port)


def _connect(srv: LocalHTTPServer) -> socket.socket:
    sock = socket.create_connection(_addr(srv), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        part = sock.recv(65536)
        assert part, f"connection ended before {marker!r}: {data!r}"
        data += part
    return data


def _seconds_to_eof(sock: socket.socket) -> float:
    started = time.monotonic()
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def _close_and_expect_eof(server: LocalHTTPServer, sock: socket.socket) -> None:
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < BOUND_S, "close() took too long"
    assert _seconds_to_eof(sock) < BOUND_S, "the client's connection outlived close()"


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_close_ends_an_open_keep_alive_connection_promptly(server: LocalHTTPServer) -> None:
    sock = _connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _read_until(sock, b"hello").startswith(b"HTTP/1.1 200 OK\r\n")
    assert _wait(lambda: server.open_connections == 1, BOUND_S)  # idle, kept alive, handler parked on read
    _close_and_expect_eof(server, sock)
    assert not server.thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(_addr(server), timeout=1).close()
    sock.close()


def test_close_ends_a_half_sent_streaming_response_promptly(server: LocalHTTPServer) -> None:
    sock = _connect(server)
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    head = _read_until(sock, b"event 0\n")
    assert b"Transfer-Encoding: chunked" in head
    _close_and_expect_eof(server, sock)
    ended = server.RequestHandlerClass.streams_ended  # type: ignore[attr-defined]
    assert ended.wait(BOUND_S), "the handler kept streaming into a closed connection"
    assert _wait(lambda: server.open_connections == 0, BOUND_S)
    sock.close()


def test_a_client_hanging_up_mid_stream_leaves_no_traceback(
    server: LocalHTTPServer, capfd: pytest.CaptureFixture[str]
) -> None:
    sock = _connect(server)
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    _read_until(sock, b"event 1\n")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # hang up with a RST
    sock.close()
    ended = server.RequestHandlerClass.streams_ended  # type: ignore[attr-defined]
    assert ended.wait(5)
    assert _wait(lambda: server.open_connections == 0, BOUND_S)
    assert "Traceback" not in capfd.readouterr().err

    # …while a real bug in a handler still shows (proves stderr is captured at all)
    conn = http.client.HTTPConnection(*_addr(server), timeout=5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        conn.request("GET", "/boom")
        conn.getresponse()
    conn.close()
    assert _wait(lambda: server.open_connections == 0, BOUND_S)
    err = capfd.readouterr().err
    assert "Traceback" in err and "ValueError: a real bug" in err


@pytest.mark.parametrize("nagle_off", [True, False])
def test_keep_alive_requests_do_not_stall_on_delayed_acks(nagle_off: bool) -> None:
    """20 sequential keep-alive requests: a response written as headers, then body, with Nagle on,
    waits for the client's delayed ACK (≥ 20 × 40 ms). One send per response needs no Nagle tweak."""
    handler = type(
        "H", (_Handler,), {"streams_ended": threading.Event(), "disable_nagle_algorithm": nagle_off}
    )
    srv = LocalHTTPServer(("127.0.0.1", 0), handler).start()
    try:
        conn = http.client.HTTPConnection(*_addr(srv), timeout=5)
        conn.request("GET", "/")  # connect and warm up
        conn.getresponse().read()
        started = time.perf_counter()
        for _ in range(20):
            conn.request("GET", "/")
            resp = conn.getresponse()
            assert (resp.status, resp.read()) == (200, b"hello")
        elapsed = time.perf_counter() - started
        conn.close()
    finally:
        srv.close()
    assert elapsed < 20 * 0.040 / 4, f"20 keep-alive requests took {elapsed * 1000:.0f} ms"


def test_whole_response_is_one_write_with_length_and_connection_close() -> None:
    writes: list[bytes] = []

    class Recording(_Handler):
        def setup(self) -> None:
            super().setup()
            real = self.wfile

            class _W:
                def write(self, data: bytes) -> int:
                    writes.append(bytes(data))
                    return real.write(data)

                def __getattr__(self, name: str) -> object:
                    return getattr(real, name)

            self.wfile = _W()  # type: ignore[assignment]

    srv = LocalHTTPServer(("127.0.0.1", 0), Recording).start()
    try:
        conn = http.client.HTTPConnection(*_addr(srv), timeout=5)
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b"hello")
        assert resp.getheader("Content-Length") == "5" and resp.getheader("Connection") == "close"
        conn.close()
        conn = http.client.HTTPConnection(*_addr(srv), timeout=5)
        conn.request("HEAD", "/")
        resp = conn.getresponse()
        assert (resp.status, resp.getheader("Content-Length"), resp.read()) == (200, "5", b"")
        conn.close()
    finally:
        srv.close()
    assert len(writes) == 2  # one write per response, headers and body together
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\nhello")
    assert writes[1].endswith(b"\r\n\r\n")


def test_stop_accepting_keeps_open_connections_for_a_drain(server: LocalHTTPServer) -> None:
    conn = http.client.HTTPConnection(*_addr(server), timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello"
    server.stop_accepting()
    assert server.stopping.is_set()
    with pytest.raises(OSError):
        socket.create_connection(_addr(server), timeout=1).close()
    conn.request("GET", "/")  # the open keep-alive connection still answers while draining
    assert conn.getresponse().read() == b"hello"
    server.close()
    assert _wait(lambda: server.open_connections == 0, BOUND_S)
    conn.close()


def test_close_without_start_and_twice_returns_at_once() -> None:
    srv = LocalHTTPServer(("127.0.0.1", 0), _Handler)
    assert srv.url == f"http://127.0.0.1:{srv.server_address[1]}"
    started = time.monotonic()
    srv.close()
    srv.close()
    assert time.monotonic() - started < BOUND_S


def test_require_loopback() -> None:
    require_loopback("127.30.0.1", "no")
    with pytest.raises(ValueError, match="loopback please"):
        require_loopback("0.0.0.0", "loopback please")
