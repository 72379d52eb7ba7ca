"""Watch: event types, resourceVersion replay, selectors, timeouts, and 410 Expired."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiException

from .helpers import typed

pytestmark = pytest.mark.conformance


def _collect(core: Any, ns: str, **kw: Any) -> list[tuple[str, str, str]]:
    w = watch.Watch()
    out = []
    for ev in w.stream(core.list_namespaced_config_map, ns, **kw):
        out.append((ev["type"], ev["object"].metadata.name, ev["object"].metadata.resource_version))
    return out


def test_watch_from_resource_version_replays_changes(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    start = core.list_namespaced_config_map(k8s_namespace).metadata.resource_version
    core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "w"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("w", k8s_namespace, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("w", k8s_namespace)
    events = _collect(core, k8s_namespace, resource_version=start, timeout_seconds=1)
    assert [(t, n) for t, n, _ in events if n == "w"] == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]
    rvs = [int(rv) for _, n, rv in events if n == "w"]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3


def test_watch_without_resource_version_starts_with_current_state(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "existing"}})
    events = _collect(core, k8s_namespace, timeout_seconds=1)
    assert ("ADDED", "existing") in [(t, n) for t, n, _ in events]


def test_watch_streams_live_events_with_label_selector(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    start = core.list_namespaced_config_map(k8s_namespace).metadata.resource_version

    def writer() -> None:
        time.sleep(0.2)
        core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "yes", "labels": {"w": "1"}}})
        core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "no", "labels": {"w": "2"}}})
        core.patch_namespaced_config_map("yes", k8s_namespace, {"metadata": {"labels": {"w": "3"}}})

    t = threading.Thread(target=writer)
    t.start()
    events = _collect(core, k8s_namespace, resource_version=start, label_selector="w=1", timeout_seconds=2)
    t.join()
    # leaving the selection is seen as DELETED, as the real watch cache reports it
    assert [(t, n) for t, n, _ in events] == [("ADDED", "yes"), ("DELETED", "yes")]


def test_watch_timeout_ends_stream(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    started = time.monotonic()
    assert _collect(core, k8s_namespace, timeout_seconds=1) == []
    assert time.monotonic() - started < 10


def test_too_old_resource_version_is_gone(
    k8s_api_client: Any, k8s_namespace: str, on_real_cluster: bool, request: pytest.FixtureRequest
) -> None:
    api, ns = k8s_api_client, k8s_namespace
    if not on_real_cluster:  # a private local server with a tiny history, so "1" is long forgotten
        handle = request.getfixturevalue("api_server")
        handle.api.store._history = deque(maxlen=3)
        api, ns = handle.api_client(), "default"
        for i in range(5):
            typed(client.CoreV1Api, api).create_namespaced_config_map(ns, {"metadata": {"name": f"c{i}"}})
    with pytest.raises(ApiException) as err:
        _collect(typed(client.CoreV1Api, api), ns, resource_version="1", timeout_seconds=1)
    assert err.value.status == 410
