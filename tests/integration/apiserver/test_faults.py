"""Fault knobs: injected HTTP errors, latency, access denials, the write hook, and pod faults."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from ai_deploy_ci.local.apiserver import ApiServerHandle, WriteRequest
from tests.conformance.helpers import deployment, pod, typed, wait_for


@pytest.fixture
def core(api_server: ApiServerHandle) -> Any:
    return typed(client.CoreV1Api, api_server.api_client())


def _get(handle: ApiServerHandle, path: str) -> tuple[int, dict[str, Any], Any]:
    """Plain urllib: urllib3 (under the official client) silently retries 429/503 with Retry-After."""
    req = urllib.request.Request(handle.url + path, headers={"Authorization": f"Bearer {handle.token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), err.headers


def test_429_with_retry_after_on_the_nth_call(api_server: ApiServerHandle) -> None:
    api_server.faults.inject("list", "configmaps", 429, nth=2, retry_after=7)
    path = "/api/v1/namespaces/default/configmaps"
    assert _get(api_server, path)[0] == 200
    code, status, headers = _get(api_server, path)
    assert (code, status["reason"], headers["Retry-After"]) == (429, "TooManyRequests", "7")
    assert _get(api_server, path)[0] == 200


def test_official_client_retries_429_with_retry_after(api_server: ApiServerHandle) -> None:
    """Worth knowing for the engine: urllib3 waits Retry-After and retries idempotent requests itself."""
    api_server.faults.inject("list", "configmaps", 429, nth=1, retry_after=0)
    assert typed(client.CoreV1Api, api_server.api_client()).list_namespaced_config_map("default").items == []


@pytest.mark.parametrize("code", [500, 503])
def test_server_errors_for_a_verb_and_resource(api_server: ApiServerHandle, core: Any, code: int) -> None:
    api_server.faults.inject("create", "configmaps", code, times=1)
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
    assert err.value.status == code
    core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})  # only once
    core.list_namespaced_config_map("default")  # other verbs unaffected


def test_rate_is_deterministic_fraction(api_server: ApiServerHandle) -> None:
    api_server.faults.inject("get", "namespaces", 500, rate=0.5)
    codes = [_get(api_server, "/api/v1/namespaces/default")[0] for _ in range(40)]
    assert 8 <= codes.count(500) <= 32 and codes.count(200) + codes.count(500) == 40


def test_timeout_fault_drops_the_connection(api_server: ApiServerHandle, core: Any) -> None:
    api_server.faults.inject("get", "configmaps", "timeout", hang=0.2, times=1)
    with pytest.raises(Exception):  # noqa: B017 - urllib3 raises a protocol error
        core.read_namespaced_config_map("x", "default", _request_timeout=5)


def test_latency(api_server: ApiServerHandle, core: Any) -> None:
    api_server.faults.latency(0.3, verb="list", resource="configmaps")
    started = time.monotonic()
    core.list_namespaced_config_map("default")
    assert time.monotonic() - started >= 0.3


def test_access_review_denial(api_server: ApiServerHandle) -> None:
    authz = typed(client.AuthorizationV1Api, api_server.api_client())

    def allowed(verb: str, resource: str) -> bool:
        review = authz.create_self_subject_access_review(
            {
                "spec": {
                    "resourceAttributes": {
                        "verb": verb,
                        "resource": resource,
                        "group": "apps",
                        "namespace": "default",
                    }
                }
            }
        )
        return bool(review.status.allowed)

    assert allowed("patch", "deployments")
    api_server.faults.deny("patch", "deployments", group="apps")
    assert not allowed("patch", "deployments") and allowed("get", "deployments")


def test_write_hook_sees_every_mutating_request(api_server: ApiServerHandle, core: Any) -> None:
    seen: list[WriteRequest] = []
    api_server.faults.write_hook = seen.append
    core.create_namespaced_config_map("default", {"metadata": {"name": "h"}})
    core.read_namespaced_config_map("h", "default")
    core.patch_namespaced_config_map("h", "default", {"data": {"a": "b"}})
    core.delete_namespaced_config_map("h", "default")
    assert [(w.verb, w.resource, w.namespace, w.name) for w in seen] == [
        ("create", "configmaps", "default", ""),
        ("patch", "configmaps", "default", "h"),
        ("delete", "configmaps", "default", "h"),
    ]
    assert [w.count for w in seen] == [1, 2, 3]


def test_write_hook_that_raises_prevents_the_commit(api_server: ApiServerHandle, core: Any) -> None:
    def hook(w: WriteRequest) -> None:
        if w.count == 2:
            raise RuntimeError("crash here")

    api_server.faults.write_hook = hook
    core.create_namespaced_config_map("default", {"metadata": {"name": "one"}})
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("default", {"metadata": {"name": "two"}})
    assert err.value.status == 500
    assert [c.metadata.name for c in core.list_namespaced_config_map("default").items] == ["one"]


def _pod_status(core: Any, name: str, predicate: Any, what: str) -> Any:
    return wait_for(
        lambda: (lambda p: p if predicate(p) else None)(core.read_namespaced_pod(name, "default")), what=what
    )


def test_crash_loop(api_server: ApiServerHandle, core: Any) -> None:
    api_server.faults.crash_loop(labels={"crash": "yes"})
    core.create_namespaced_pod("default", pod("c", labels={"crash": "yes"}))
    p = _pod_status(
        core,
        "c",
        lambda p: p.status.container_statuses and p.status.container_statuses[0].state.waiting,
        "waiting container",
    )
    cs = p.status.container_statuses[0]
    assert cs.state.waiting.reason == "CrashLoopBackOff" and cs.restart_count >= 1 and not cs.ready
    assert cs.last_state.terminated.exit_code == 1
    events = core.list_namespaced_event(
        "default", field_selector="involvedObject.name=c,reason=BackOff"
    ).items
    assert events and events[0].type == "Warning"


def test_image_pull_error(api_server: ApiServerHandle, core: Any) -> None:
    api_server.faults.image_pull_error(image="registry.example/bad")
    core.create_namespaced_pod("default", pod("i", image="registry.example/bad:1"))
    p = _pod_status(
        core,
        "i",
        lambda p: (
            p.status.container_statuses
            and p.status.container_statuses[0].state.waiting.reason == "ImagePullBackOff"
        ),
        "ImagePullBackOff",
    )
    assert p.status.phase == "Pending"
    reasons = {
        e.reason for e in core.list_namespaced_event("default", field_selector="involvedObject.name=i").items
    }
    assert {"Failed", "BackOff"} <= reasons


def test_never_ready_blocks_the_rollout(api_server: ApiServerHandle) -> None:
    api = api_server.api_client()
    apps = typed(client.AppsV1Api, api)
    api_server.faults.never_ready(labels={"app": "nr"})
    apps.create_namespaced_deployment("default", deployment("nr", replicas=2, progressDeadlineSeconds=20))

    def exceeded() -> Any:
        d = apps.read_namespaced_deployment("nr", "default")
        conds = {c.type: c for c in d.status.conditions or []}
        return (
            d
            if conds.get("Progressing") and conds["Progressing"].reason == "ProgressDeadlineExceeded"
            else None
        )

    d = wait_for(exceeded, timeout=20, what="ProgressDeadlineExceeded")
    assert d.status.unavailable_replicas == 2 and not d.status.ready_replicas


def test_clear_removes_knobs(api_server: ApiServerHandle, core: Any) -> None:
    api_server.faults.inject("*", "*", 500)
    api_server.faults.clear()
    assert core.list_namespaced_config_map("default").items == []
    assert json.dumps(api_server.faults.writes) == "0"
