"""Watch-list (`sendInitialEvents=true`): the initial state, then the `k8s.io/initial-events-end`
bookmark, then changes; and kubectl 1.37, whose informers use it by default (WatchListClient),
returns from `rollout status` and `wait` (it hung on the local server before issue #18)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from .helpers import deployment, raw

pytestmark = pytest.mark.conformance
Kubectl = Callable[..., subprocess.CompletedProcess[str]]
WATCH_LIST = [
    ("watch", "true"),
    ("sendInitialEvents", "true"),
    ("resourceVersionMatch", "NotOlderThan"),
    ("allowWatchBookmarks", "true"),
    ("timeoutSeconds", "2"),
]


def _stream(api_client: Any, path: str, query: list[tuple[str, str]]) -> list[dict[str, Any]]:
    request = api_client.param_serialize(
        "GET",
        path,
        query_params=query,
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    resp = api_client.call_api(*request, _request_timeout=30)
    resp.read()
    return [json.loads(line) for line in resp.data.decode().splitlines() if line.strip()]


def test_watch_list_sends_state_then_the_initial_events_end_bookmark(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    path = f"/api/v1/namespaces/{k8s_namespace}/configmaps"
    for name in ("a", "b"):
        code, _, _ = raw(k8s_api_client, "POST", path, {"metadata": {"name": name}, "data": {"k": name}})
        assert code == 201
    events = _stream(k8s_api_client, path, WATCH_LIST)
    added = [e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED"]
    assert sorted(added[:2]) == ["a", "b"], events
    ends = [
        i
        for i, e in enumerate(events)
        if e["type"] == "BOOKMARK"
        and (e["object"]["metadata"].get("annotations") or {}).get("k8s.io/initial-events-end") == "true"
    ]
    assert ends and ends[0] == 2, f"no initial-events-end bookmark right after the state: {events}"
    rv = int(events[ends[0]]["object"]["metadata"]["resourceVersion"])
    assert rv >= max(int(e["object"]["metadata"]["resourceVersion"]) for e in events[:2])


def test_watch_list_without_not_older_than_is_invalid(k8s_api_client: Any, k8s_namespace: str) -> None:
    query = [("watch", "true"), ("sendInitialEvents", "true"), ("allowWatchBookmarks", "true")]
    code, status, _ = raw(
        k8s_api_client, "GET", f"/api/v1/namespaces/{k8s_namespace}/configmaps", query=query
    )
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" in status["message"]


def test_kubectl_137_rollout_status_and_wait_return(kubectl: Kubectl, k8s_namespace: str) -> None:
    body = deployment("web", replicas=2)
    body["metadata"]["namespace"] = k8s_namespace
    applied = kubectl("apply", "-f", "-", stdin=json.dumps(body))
    assert applied.returncode == 0, applied.stderr
    status = kubectl("-n", k8s_namespace, "rollout", "status", "deployment/web", "--timeout=90s", timeout=120)
    assert status.returncode == 0, status.stderr
    assert 'deployment "web" successfully rolled out' in status.stdout
    waited = kubectl(
        "-n",
        k8s_namespace,
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=90s",
        timeout=120,
    )
    assert waited.returncode == 0, waited.stderr
    assert "condition met" in waited.stdout


@pytest.mark.parametrize(
    ("manifest_change", "message"),
    [
        ({"requests": {"cpu": "4"}, "limits": {"cpu": "2"}}, "must be less than or equal to cpu limit of 2"),
        ({"limits": {"nvidia.com/gpu": "0.5"}}, "must be an integer"),
    ],
    ids=["cpu-over-limit", "half-a-gpu"],
)
def test_kubectl_apply_of_invalid_resources_fails_as_on_a_cluster(
    kubectl: Kubectl, k8s_namespace: str, manifest_change: dict[str, Any], message: str
) -> None:
    body = deployment("bad-resources", replicas=0)
    body["metadata"]["namespace"] = k8s_namespace
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = manifest_change
    applied = kubectl("apply", "-f", "-", stdin=json.dumps(body))
    assert applied.returncode != 0
    assert "is invalid" in applied.stderr and message in applied.stderr, applied.stderr
