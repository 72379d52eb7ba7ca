"""HTTP front end: a ThreadingHTTPServer that routes Kubernetes REST paths to `Api` verbs.

HTTP/1.1 with keep-alive (the official client pools connections); watches are chunked streams of
JSON lines. Fault knobs are applied here, before a request reaches the verbs.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..httpserver import FastHandler, LocalHTTPServer
from . import decode, mutations, nonresource, table, watch
from .errors import ApiError, method_not_allowed
from .faults import HttpFault
from .rest import Api
from .routing import Route, parse_route
from .subresources import handle_subresource, review


class ApiHTTPServer(LocalHTTPServer):
    """Closing sets `stopping` (watch streams end on it) and shuts down open client connections."""

    def __init__(self, address: tuple[str, int], api: Api, token: str | None) -> None:
        super().__init__(address, Handler, name="apiserver-http")
        self.api = api
        self.token = token


class Handler(FastHandler):
    timeout = 120  # idle keep-alive connections end, so handler threads never pile up
    server: ApiHTTPServer

    def do_GET(self) -> None:
        self._dispatch(self.command)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # --- plumbing ------------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        code: int,
        body: Any,
        headers: dict[str, str] | None = None,
        warnings: list[str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        head = [
            *self.standard_headers(),
            ("Content-Type", content_type),
            ("Cache-Control", "no-cache, private"),
            *(headers or {}).items(),
            *(("Warning", '299 - "' + w.replace('"', '\\"') + '"') for w in warnings or []),
        ]
        self.wfile.write(self.whole_response(code, head, data, head_only=self.command == "HEAD"))

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self._body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
        try:
            if "protobuf" in (self.headers.get("Content-Type") or ""):
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the local API server speaks JSON only, not protobuf "
                    "(kubectl create/apply -f work; generator commands such as `kubectl create "
                    "deployment` send protobuf)",
                    details={},
                )
            if self.server.token and self.headers.get("Authorization") not in (
                None,
                f"Bearer {self.server.token}",
            ):
                raise ApiError(401, "Unauthorized", "Unauthorized")
            if not self._global(url.path):
                self._resource(method, url.path, params, raw)
        except ApiError as exc:
            self._send(exc.code, exc.status(), exc.headers)
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, ApiError(400, "BadRequest", f"bad request: {exc}").status())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _global(self, path: str) -> bool:
        """Non-resource paths (health, version, discovery, OpenAPI); False if `path` is a resource path."""
        host, port = self.server.server_address[:2]
        answer = nonresource.answer(self.server.api.registry, path, f"{host!s}:{port}")
        if answer is None:
            return False
        body, content_type = answer
        self._send(200, body, content_type=content_type)
        return True

    def _apply_faults(self, route: Route, verb: str) -> None:
        faults = self.server.api.faults
        resource = route.rt.plural + (f"/{route.sub}" if route.sub else "")
        delay = faults.delay(verb, resource)
        if delay > 0:
            time.sleep(delay)
        fault: HttpFault | None = faults.http_fault(verb, resource)
        if fault is None:
            return
        if fault.status == "timeout":
            time.sleep(fault.hang)
            self.close_connection = True
            raise ConnectionResetError("injected timeout")
        code = int(fault.status)
        reasons = {
            429: "TooManyRequests",
            500: "InternalError",
            503: "ServiceUnavailable",
            504: "Timeout",
            409: "Conflict",
            403: "Forbidden",
        }
        headers = {"Retry-After": str(fault.retry_after)} if code in (429, 503) else {}
        raise ApiError(
            code,
            reasons.get(code, "InternalError"),
            f"injected fault: {code} for {verb} {resource}",
            details={"retryAfterSeconds": fault.retry_after} if headers else {},
            headers=headers,
        )

    def _resource(self, method: str, path: str, params: dict[str, str], raw: bytes) -> None:
        api = self.server.api
        route = parse_route(api.registry, path, params)
        verb = route.verb(method)
        self._apply_faults(route, verb)
        if verb in ("create", "update", "patch", "delete", "deletecollection"):
            resource = route.rt.plural + (f"/{route.sub}" if route.sub else "")
            try:
                api.faults.before_write(verb, resource, route.namespace or "", route.name or "", raw)
            except Exception as exc:  # the hook refused: fail the write, commit nothing
                raise ApiError(500, "InternalError", f"write hook: {exc}") from None
        strict = params.get("fieldValidation") == "Strict"
        dry = params.get("dryRun") == "All"
        rt, ns, name = route.rt, route.namespace or "", route.name or ""
        if route.sub and route.sub != "status":
            code, body, ctype = handle_subresource(
                api, route, method, params, raw, self.headers.get("Content-Type", "")
            )
            self._send(code, body, content_type=ctype)
            return
        as_table = table.wants_table(self.headers.get("Accept")) and not route.sub
        if verb == "watch":
            self._watch(route, params, as_table)
        elif verb == "list":
            listed = api.list(rt, route.namespace, params)
            if as_table:
                listed = {
                    **table.table(listed["items"], listed["metadata"]["resourceVersion"], api.clock.now()),
                    "metadata": listed["metadata"],
                }
            self._send(200, listed)
        elif verb == "get":
            obj = api.get(rt, ns, name)
            self._send(
                200,
                table.table([obj], obj["metadata"]["resourceVersion"], api.clock.now()) if as_table else obj,
            )
        elif verb == "create":
            body, dup_warns = decode.body(raw, rt, params.get("fieldValidation"))
            if not rt.stored:
                self._send(201, review(api, body))
                return
            obj, warns = api.create(rt, ns, body, strict=strict, dry_run=dry)
            self._send(201, obj, warnings=dup_warns + warns)
        elif verb == "update":
            body, dup_warns = decode.body(raw, rt, params.get("fieldValidation"))
            obj, warns = api.update(rt, ns, name, body, strict=strict, sub=route.sub, dry_run=dry)
            self._send(200, obj, warnings=dup_warns + warns)
        elif verb == "patch":
            obj, warns = mutations.patch(
                api,
                rt,
                ns,
                name,
                raw,
                self.headers.get("Content-Type", ""),
                strict=strict,
                sub=route.sub,
                dry_run=dry,
            )
            self._send(200, obj, warnings=warns)
        elif verb in ("delete", "deletecollection"):
            opts = json.loads(raw) if raw.strip() else {}
            for k in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
                if k in params:
                    opts[k] = (
                        int(params[k])
                        if k == "gracePeriodSeconds"
                        else (params[k] == "true" if k == "orphanDependents" else params[k])
                    )
            if dry:
                opts["dryRun"] = ["All"]
            if verb == "delete":
                self._send(200, mutations.delete(api, rt, ns, name, opts))
            else:
                self._send(200, mutations.delete_collection(api, rt, route.namespace, params, opts))
        else:
            raise method_not_allowed()

    def _watch(self, route: Route, params: dict[str, str], as_table: bool = False) -> None:
        watch.check_options(params)  # before the 200 head: a refused watch is a plain error reply
        self.send_chunked_head(
            200,
            [
                *self.standard_headers(),
                ("Content-Type", "application/json"),
                ("Cache-Control", "no-cache, private"),
            ],
        )
        try:
            first = True
            api = self.server.api
            for event in watch.events(api, route.rt, route.namespace, params, self.server.stopping):
                if as_table and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                    obj = event["object"]
                    rows = table.table([obj], obj["metadata"]["resourceVersion"], api.clock.now())
                    if not first:  # as a real server: column definitions only in the first event
                        rows["columnDefinitions"] = []
                    event = {"type": event["type"], "object": rows}
                    first = False
                self.send_chunk(json.dumps(event).encode() + b"\n")
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
