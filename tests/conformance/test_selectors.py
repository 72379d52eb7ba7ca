"""Label selectors (equality and set-based) and field selectors on list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from .helpers import typed, wait_for

pytestmark = pytest.mark.conformance

OBJECTS = {
    "a": {"tier": "web", "track": "stable"},
    "b": {"tier": "web", "track": "canary"},
    "c": {"tier": "db"},
    "d": {},
}


@pytest.fixture
def labelled(k8s_api_client: Any, k8s_namespace: str) -> Any:
    core = typed(client.CoreV1Api, k8s_api_client)
    for name, labels in OBJECTS.items():
        core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": name, "labels": labels}})
    return core


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", "ab"),
        ("tier==web", "ab"),
        ("tier!=web", "cd"),
        ("tier in (web,db)", "abc"),
        ("tier notin (web)", "cd"),
        ("track", "ab"),
        ("!track", "cd"),
        ("tier=web,track=canary", "b"),
        ("tier in (web),!track", ""),
        ("", "abcd"),
    ],
    ids=lambda v: repr(v),
)
def test_label_selectors(labelled: Any, k8s_namespace: str, selector: str, expected: str) -> None:
    names = [
        c.metadata.name
        for c in labelled.list_namespaced_config_map(k8s_namespace, label_selector=selector).items
    ]
    assert "".join(sorted(n for n in names if n in OBJECTS)) == expected


def test_field_selector_metadata_name(labelled: Any, k8s_namespace: str) -> None:
    items = labelled.list_namespaced_config_map(k8s_namespace, field_selector="metadata.name=c").items
    assert [c.metadata.name for c in items] == ["c"]
    items = labelled.list_namespaced_config_map(k8s_namespace, field_selector="metadata.name!=c").items
    assert "c" not in [c.metadata.name for c in items]


def test_unsupported_field_label_is_bad_request(labelled: Any, k8s_namespace: str) -> None:
    with pytest.raises(ApiException) as err:
        labelled.list_namespaced_config_map(k8s_namespace, field_selector="data.x=1")
    assert err.value.status == 400
    assert json.loads(err.value.body or "{}")["reason"] == "BadRequest"


def test_pod_field_selectors(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    core.create_namespaced_pod(
        k8s_namespace,
        {
            "metadata": {"name": "p"},
            "spec": {
                "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}],
                "terminationGracePeriodSeconds": 0,
            },
        },
    )
    pod = wait_for(
        lambda: next(
            iter(core.list_namespaced_pod(k8s_namespace, field_selector="status.phase=Running").items), None
        ),
        what="running pod",
    )
    node = pod.spec.node_name
    assert [
        p.metadata.name
        for p in core.list_namespaced_pod(k8s_namespace, field_selector=f"spec.nodeName={node}").items
    ] == ["p"]
    assert not core.list_namespaced_pod(k8s_namespace, field_selector="status.phase=Pending").items
