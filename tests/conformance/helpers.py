"""Helpers for conformance tests: raw requests (status codes and headers the typed client hides),
bounded waits, and small object builders. Everything here works against a real cluster too."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
PAUSE = "registry.k8s.io/pause:3.10"


def raw(
    api_client: Any,
    method: str,
    path: str,
    body: Any = None,
    query: Sequence[tuple[str, str]] = (),
    content_type: str = "application/json",
) -> tuple[int, Any, dict[str, str]]:
    """(status, parsed JSON body, headers) of one request, without raising on errors."""
    request = api_client.param_serialize(
        method,
        path,
        query_params=list(query),
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=body,
        auth_settings=["BearerToken"],
    )
    resp = api_client.call_api(*request)
    resp.read()
    data = resp.data
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode(errors="replace")
    headers = resp.getheaders()
    return resp.status, parsed, headers


def warnings(headers: Any) -> list[str]:
    values = headers.getlist("Warning") if hasattr(headers, "getlist") else [headers.get("Warning", "")]
    return [v for value in values for v in value.split(", 299") if v]


def wait_for(
    fn: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.02, what: str = "condition"
) -> T:
    """Poll until fn returns a truthy value; bounded so a broken controller fails fast, not hangs."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def deployment(
    name: str, replicas: int = 2, image: str = PAUSE, labels: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [{"name": "main", "image": image}],
                    "terminationGracePeriodSeconds": 0,
                },
            },
            **spec,
        },
    }


def pod(name: str, image: str = PAUSE, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "containers": [{"name": "main", "image": image}],
            "terminationGracePeriodSeconds": 0,
            **spec,
        },
    }


def typed(api_cls: Any, api_client: Any) -> Any:
    """A typed API object, seen as Any: client 37's pydantic signatures reject the dict bodies we pass
    (they are validated at run time anyway), which would drown mypy in false positives."""
    return api_cls(api_client)
