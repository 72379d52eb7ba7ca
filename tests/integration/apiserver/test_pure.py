"""Table-driven tests of the pure parts: rollout arithmetic, patches, selectors, pruning."""

from __future__ import annotations

from typing import Any

import pytest

from ai_deploy_ci.local.apiserver import patch, schemas
from ai_deploy_ci.local.apiserver.controllers.rollout import new_rs_replicas, resolve_fenceposts
from ai_deploy_ci.local.apiserver.errors import ApiError
from ai_deploy_ci.local.apiserver.selectors import match_label_selector, parse_label_selector
from ai_deploy_ci.local.apiserver.validation import prune_and_default


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        ("25%", "25%", 3, (1, 0)),  # surge rounds up, unavailable rounds down
        ("25%", "25%", 4, (1, 1)),
        ("25%", "25%", 10, (3, 2)),
        (0, "10%", 3, (0, 1)),  # both zero → unavailable 1
        (2, 0, 3, (2, 0)),
        ("50%", "50%", 1, (1, 0)),
    ],
    ids=lambda v: str(v),
)
def test_fenceposts(surge: Any, unavailable: Any, desired: int, expected: tuple[int, int]) -> None:
    assert resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(
    ("desired", "surge", "new", "total", "expected"),
    [(3, 1, 0, 3, 1), (3, 1, 1, 4, 1), (3, 1, 1, 3, 2), (3, 0, 0, 3, 0), (5, 1, 3, 3, 5), (3, 1, 5, 5, 3)],
)
def test_new_replicaset_size(desired: int, surge: int, new: int, total: int, expected: int) -> None:
    assert new_rs_replicas(desired, surge, new, total) == expected


def test_json_merge_patch() -> None:
    assert patch.merge_patch({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": None}, "l": [2]}) == {
        "a": {"c": 2},
        "l": [2],
    }


def test_json_patch_ops() -> None:
    doc = {"a": [1, 2], "b": {"c": 1}}
    out = patch.json_patch(
        doc, [{"op": "add", "path": "/a/-", "value": 3}, {"op": "move", "from": "/b/c", "path": "/d"}]
    )
    assert out == {"a": [1, 2, 3], "b": {}, "d": 1}
    with pytest.raises(ApiError):
        patch.json_patch(doc, [{"op": "remove", "path": "/nope"}])


def test_strategic_merge_on_pod_spec_uses_schema_keys() -> None:
    pod = {
        "spec": {
            "containers": [
                {
                    "name": "a",
                    "image": "x",
                    "ports": [{"containerPort": 80}],
                    "volumeMounts": [{"name": "v", "mountPath": "/m"}],
                }
            ],
            "volumes": [{"name": "v", "emptyDir": {}}],
        }
    }
    p = {
        "spec": {
            "containers": [
                {
                    "name": "a",
                    "ports": [{"containerPort": 81}],
                    "volumeMounts": [{"name": "w", "mountPath": "/n"}],
                }
            ],
            "volumes": [{"name": "w", "emptyDir": {}}],
            "$setElementOrder/volumes": [{"name": "w"}, {"name": "v"}],
        }
    }
    out = patch.strategic_merge_patch(pod, p, schemas.kind_schema("v1", "Pod"), schemas.nav)
    c = out["spec"]["containers"][0]
    assert [x["containerPort"] for x in c["ports"]] == [80, 81]
    assert [m["mountPath"] for m in c["volumeMounts"]] == ["/m", "/n"]
    assert [v["name"] for v in out["spec"]["volumes"]] == ["w", "v"]


def test_strategic_merge_retain_keys_and_primitive_lists() -> None:
    dep = {
        "metadata": {"finalizers": ["a"]},
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    p = {
        "metadata": {"finalizers": ["b"]},
        "spec": {"strategy": {"type": "Recreate", "$retainKeys": ["type"], "rollingUpdate": None}},
    }
    out = patch.strategic_merge_patch(dep, p, schemas.kind_schema("apps/v1", "Deployment"), schemas.nav)
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert out["metadata"]["finalizers"] == ["a", "b"]  # finalizers merge as a set


@pytest.mark.parametrize(
    ("selector", "labels", "ok"),
    [
        ("a=1", {"a": "1"}, True),
        ("a!=1", {}, True),
        ("a in (1, 2)", {"a": "2"}, True),
        ("a notin (1)", {"a": "1"}, False),
        ("!a", {"a": "1"}, False),
        ("a,b", {"a": "", "b": ""}, True),
    ],
)
def test_label_selector_strings(selector: str, labels: dict[str, str], ok: bool) -> None:
    assert parse_label_selector(selector)(labels) is ok


def test_label_selector_objects() -> None:
    sel = {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "In", "values": ["x"]}]}
    assert match_label_selector(sel, {"a": "1", "b": "x"}) and not match_label_selector(sel, {"a": "1"})


def test_pruning_and_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "w": {"type": "integer", "default": 1},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            }
        },
    }
    obj: dict[str, Any] = {
        "apiVersion": "x/v1",
        "kind": "K",
        "metadata": {},
        "spec": {"free": {"z": 1}, "junk": 2},
    }
    unknown: list[str] = []
    prune_and_default(obj, schema, [], unknown)
    assert unknown == ["spec.junk"] and obj["spec"] == {"free": {"z": 1}, "w": 1}
