"""Subresources other than /status: scale, pod log, binding, eviction; and access reviews."""

from __future__ import annotations

import json
from typing import Any

from . import mutations
from .errors import ApiError, bad_request, method_not_allowed
from .rest import Api
from .routing import Route

PODS = ("", "pods")


def handle_subresource(
    api: Api, route: Route, method: str, params: dict[str, str], raw: bytes, content_type: str
) -> tuple[int, Any, str]:
    """(HTTP code, body, content type) for a subresource request."""
    rt, ns, name = route.rt, route.namespace or "", route.name or ""
    if route.sub == "scale":
        if method == "GET":
            return 200, mutations.get_scale(api, rt, ns, name), "application/json"
        if method == "PUT":
            return (
                200,
                mutations.update_scale(api, rt, ns, name, json.loads(raw or b"null")),
                "application/json",
            )
        if method == "PATCH":
            return 200, mutations.patch_scale(api, rt, ns, name, raw, content_type), "application/json"
    elif route.sub == "log" and method == "GET":
        pod = api.get(rt, ns, name)
        return 200, pod_log(api, pod, params).encode(), "text/plain"
    elif route.sub == "binding" and method == "POST":
        body = json.loads(raw or b"null")
        node = (body.get("target") or {}).get("name")
        if not node:
            raise bad_request("binding target is required")
        pod = api.get(rt, ns, name)
        if pod["spec"].get("nodeName"):
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is '
                f'already assigned to node "{pod["spec"]["nodeName"]}"',
            )
        pod["spec"]["nodeName"] = node
        api.update(rt, ns, name, pod, internal=True)
        return (
            201,
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
            "application/json",
        )
    elif route.sub == "eviction" and method == "POST":
        result = mutations.delete(api, rt, ns, name, {})
        del result
        return (
            201,
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
            "application/json",
        )
    raise method_not_allowed()


def pod_log(api: Api, pod: dict[str, Any], params: dict[str, str]) -> str:
    """The container's output tail (real processes) or the kubelet's synthetic lines (others)."""
    containers = [c["name"] for c in pod["spec"].get("containers", [])]
    container = params.get("container") or (containers[0] if len(containers) == 1 else None)
    if container is None:
        raise bad_request(
            f"a container name must be specified for pod {pod['metadata']['name']}, choose one of: "
            f"{containers}"
        )
    if container not in containers:
        raise bad_request(f"container {container} is not valid for pod {pod['metadata']['name']}")
    if pod.get("status", {}).get("phase") == "Pending":
        raise bad_request(
            f'container "{container}" in pod "{pod["metadata"]["name"]}" is waiting to start: '
            "ContainerCreating"
        )
    text = api.logs(pod, container)
    tail = params.get("tailLines")
    if tail:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[-int(tail) :]) if int(tail) > 0 else ""
    return text


def review(api: Api, body: Any) -> dict[str, Any]:
    """Computed kinds (SelfSubjectAccessReview): answered, never stored."""
    if not isinstance(body, dict):
        raise bad_request("the body of the request must be a JSON object")
    return access_review(api, body)


def access_review(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    """SelfSubjectAccessReview: allowed unless a fault denies the verb/resource."""
    attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
    denied = api.faults.denied(
        attrs.get("verb", ""), attrs.get("resource", ""), attrs.get("group", ""), attrs.get("namespace")
    )
    out = dict(body)
    out.setdefault("apiVersion", "authorization.k8s.io/v1")
    out.setdefault("kind", "SelfSubjectAccessReview")
    out.setdefault("metadata", {})
    out["status"] = {"allowed": not denied}
    if denied:
        out["status"]["denied"] = True
        out["status"]["reason"] = "denied by the local cluster's fault knobs"
    else:
        out["status"]["reason"] = "allowed: the local cluster authorizes everything"
    return out
