"""Raw object calls with retries: transient failures are retried with backoff until a deadline.

Retried: 429 (honouring Retry-After), 500/502/503/504, and transport errors (timeouts, reset
connections). Not retried here: 409 Conflict (the caller re-reads and decides — optimistic
concurrency), 4xx validation errors (a bug or a user error; retrying cannot help).
Every write is logged with its time so `bench/rollback` and the crash test can count them.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.resources import Kind, kind_of
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan.model import Manifest, ObjectRef

T = TypeVar("T")
RETRIABLE = {429, 500, 502, 503, 504}
FIELD_VALIDATION = "Strict"  # unknown or duplicate fields fail the write instead of vanishing


@dataclass
class Write:
    verb: str
    ref: ObjectRef
    at: float  # time.monotonic()


@dataclass
class Kube:
    """Typed access to the objects the engine writes, as plain dicts."""

    api_client: client.ApiClient
    deadline: float = 60.0  # seconds of retrying one call before giving up
    request_timeout: float = 10.0
    backoff: float = 0.2  # first retry delay; doubles up to 5 s, with jitter
    writes: list[Write] = field(default_factory=list)
    retries: int = 0  # transient failures survived (the fault test checks they happened)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _api(self, kind: Kind) -> Any:
        return kind.api(self.api_client)

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run `fn`, retrying transient failures until the deadline."""
        start = time.monotonic()
        delay = self.backoff
        while True:
            try:
                return fn()
            except ApiException as exc:
                if exc.status == 401:  # no caller can do anything with a refused credential
                    raise refused(exc, what) from None
                if exc.status not in RETRIABLE:
                    raise
                wait = _retry_after(exc) or delay
                problem = f"HTTP {exc.status}"
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                wait, problem = delay, type(exc).__name__
            if time.monotonic() - start + wait > self.deadline:
                raise ClusterError(
                    f"{what}: still failing after {self.deadline:g}s ({problem})",
                    fix="check the API server's health and the network; re-run to resume",
                )
            self.retries += 1
            time.sleep(wait * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 5.0)

    def _args(self, ref: ObjectRef) -> tuple[Kind, dict[str, Any]]:
        kind = kind_of(ref)
        kw: dict[str, Any] = {
            "namespace": ref.namespace,
            "_request_timeout": self.request_timeout,
            "_preload_content": False,
        }
        if kind.custom:
            kw.update(group=kind.group, version=kind.version, plural=kind.plural)
        return kind, kw

    def _method(self, kind: Kind, verb: str) -> Any:
        name = f"{verb}_namespaced_custom_object" if kind.custom else f"{verb}_{kind.suffix}"
        if kind.custom and verb == "read":
            name = "get_namespaced_custom_object"
        return getattr(self._api(kind), name)

    def get(self, ref: ObjectRef) -> Manifest | None:
        kind, kw = self._args(ref)
        method = self._method(kind, "read")
        try:
            return _json(self.call(f"get {ref}", lambda: method(name=ref.name, **kw)))
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, obj: Manifest) -> Manifest:
        ref = ObjectRef.of(obj)
        kind, kw = self._args(ref)
        method = self._method(kind, "create")
        self._log("create", ref)
        try:
            return _json(
                self.call(f"create {ref}", lambda: method(body=obj, field_validation=FIELD_VALIDATION, **kw))
            )
        except ApiException as exc:
            if exc.status in (403, 404):  # forbidden, or no such namespace / resource type
                raise refused(exc, f"create {ref}") from None
            raise

    def replace(self, obj: Manifest) -> Manifest:
        """PUT with the object's resourceVersion: a concurrent change fails with 409, never lost."""
        ref = ObjectRef.of(obj)
        kind, kw = self._args(ref)
        method = self._method(kind, "replace")
        self._log("replace", ref)
        return _json(
            self.call(
                f"replace {ref}",
                lambda: method(name=ref.name, body=obj, field_validation=FIELD_VALIDATION, **kw),
            )
        )

    def delete(self, ref: ObjectRef) -> bool:
        """Delete with background propagation (ReplicaSets and Pods follow); False if already gone."""
        kind, kw = self._args(ref)
        method = self._method(kind, "delete")
        self._log("delete", ref)
        try:
            self.call(f"delete {ref}", lambda: method(name=ref.name, propagation_policy="Background", **kw))
            return True
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise

    def raw(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Manifest:
        """Call any typed client method with retries and return its JSON body as a dict."""
        kwargs.setdefault("_request_timeout", self.request_timeout)
        return _json(self.call(what, lambda: fn(*args, _preload_content=False, **kwargs)))

    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api_client)

    def _log(self, verb: str, ref: ObjectRef) -> None:
        with self._lock:
            self.writes.append(Write(verb, ref, time.monotonic()))


def refused(exc: ApiException, what: str) -> ClusterError:
    """401/403/404 as a user error (exit 3) with the fix for each, instead of a raw API dump."""
    try:
        message = str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except (ValueError, AttributeError):
        message = str(exc.reason)
    fixes = {
        401: "the kubeconfig's token or certificate is wrong or expired: get a fresh kubeconfig (secret)",
        403: "grant the deploying identity the permissions in docs/rbac.yaml in this namespace",
        404: "create the namespace (`kubectl create namespace …`) or fix metadata.namespace; "
        "for a custom resource, install its CRD",
    }
    names = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    return ClusterError(f"{what}: HTTP {exc.status} {names.get(exc.status or 0, '')}: {message[:300]}",
                        fix=fixes.get(exc.status or 0))


def _json(resp: Any) -> Manifest:
    data = resp.data if hasattr(resp, "data") else resp
    return dict(json.loads(data)) if isinstance(data, bytes | str) else dict(data)


def _retry_after(exc: ApiException) -> float | None:
    headers = exc.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return min(float(value), 10.0) if value is not None else None
    except ValueError:
        return None


def status_of(exc: BaseException) -> int | None:
    return exc.status if isinstance(exc, ApiException) else None
