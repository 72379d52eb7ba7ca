"""HTTP side of the GitHub stand-in: auth, faults, rate-limit headers, routing.

Each request is counted (1-based, for "fail the Nth request" faults), checked for a token,
matched against scheduled faults, then routed; every response carries `x-ratelimit-*`. A
`saved` fault is applied after routing (the write is done, its answer lost), a `drop` fault
closes the connection without an answer (status 0 in the log).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ai_deploy_ci.local.httpserver import FastHandler
from tests.support.github_api import routes
from tests.support.github_api.replies import Reply, error
from tests.support.github_api.state import (
    NOT_ACCESSIBLE,
    SECONDARY_MESSAGE,
    Fault,
    GitHubApiState,
    LoggedRequest,
    TokenInfo,
)

WRITES = ("POST", "PATCH", "PUT", "DELETE")


class NoAnswer(Reply):
    """A `drop` fault: nothing is sent, the connection is reset."""


class Handler(FastHandler):
    server_version = "GitHub.com"
    state: GitHubApiState  # set on the subclass the server creates

    def do_GET(self) -> None:
        self._handle(self.command)

    do_POST = do_PATCH = do_DELETE = do_GET

    def _handle(self, method: str) -> None:
        started = time.time()
        st = self.state
        with st.lock:
            st.requests_seen += 1
            n = st.requests_seen
            if method in WRITES:
                st.in_flight_writes += 1
                st.max_concurrent_writes = max(st.max_concurrent_writes, st.in_flight_writes)
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        label = "none"
        try:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise error(400, "Problems parsing JSON") from None
            info, label = self._auth()
            fault = st.take_fault(n, method, parts.path)
            if fault is not None and not fault.saved:
                self._fault(fault)
            if method in WRITES and (info is None or not info.write):
                raise error(403 if info else 401, NOT_ACCESSIBLE if info else "Requires authentication")
            with st.lock:
                st.remaining = max(0, st.remaining - 1)
            result = routes.route(st, method, parts.path, query, body, info, self._base())
            if fault is not None:  # saved: done, and now its answer is lost
                self._fault(fault)
            reply = Reply(*result)
        except Reply as r:
            reply = r
        finally:
            if method in WRITES:
                with st.lock:
                    st.in_flight_writes -= 1
        with st.lock:
            st.log.append(
                LoggedRequest(n, method, parts.path, query, reply.status, label, body, started, time.time(),
                              reply.body)
            )
        if isinstance(reply, NoAnswer):
            self._reset()
        else:
            self._send(reply)

    def _auth(self) -> tuple[TokenInfo | None, str]:
        header = self.headers.get("Authorization") or ""
        match = re.match(r"^(?:Bearer|token)\s+(\S+)$", header, re.I)
        if not header:
            return None, "none"
        info = self.state.tokens.get(match.group(1)) if match else None
        if info is None:
            raise error(401, "Bad credentials")
        return info, info.label

    def _fault(self, fault: Fault) -> None:
        if fault.stall > 0:
            self.server.stopping.wait(fault.stall)  # type: ignore[attr-defined]
        if fault.drop:
            raise NoAnswer(0)
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        if fault.remaining_zero:
            headers["x-ratelimit-remaining"] = "0"
            headers["x-ratelimit-reset"] = str(int(time.time() + fault.reset_in))
            message = fault.message or "API rate limit exceeded for installation."
        elif fault.status in (403, 429):
            message = fault.message or SECONDARY_MESSAGE
        else:
            message = fault.message or "Server Error"
        raise Reply(fault.status, {"message": message}, headers)

    def _reset(self) -> None:
        """End the connection with a TCP reset and no answer, as a crashed proxy would."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _base(self) -> str:
        address = self.server.server_address
        assert isinstance(address, tuple)
        return f"http://{address[0]!s}:{address[1]}"

    def _send(self, reply: Reply) -> None:
        st = self.state
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-ratelimit-limit": str(st.rate_limit),
            "x-ratelimit-remaining": str(st.remaining),
            "x-ratelimit-used": str(st.rate_limit - st.remaining),
            "x-ratelimit-reset": str(int(st.reset_at)),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            **reply.headers,
        }
        self.wfile.write(
            self.whole_response(reply.status, [*self.standard_headers(), *headers.items()], payload)
        )
