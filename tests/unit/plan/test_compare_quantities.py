"""`same()` compares quantities by value: a real API server answers `500m` for the `0.5` we wrote,
and a string comparison would make every run rewrite an unchanged Deployment (#18)."""

from __future__ import annotations

import copy

import pytest

from ai_deploy_ci.local.apiserver.quantities import canonicalize
from ai_deploy_ci.local.apiserver.resources import BUILTINS
from ai_deploy_ci.plan.compare import same

DEPLOYMENT = next(rt for rt in BUILTINS if rt.kind == "Deployment")


def _deployment(requests: dict[str, object], limits: dict[str, object]) -> dict[str, object]:
    container = {"name": "server", "image": "x:1", "resources": {"requests": requests, "limits": limits}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "m", "labels": {"version": "1.0"}},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


@pytest.mark.parametrize(
    ("requests", "limits"),
    [
        ({"cpu": "0.5", "memory": "1024Mi"}, {"memory": "1024Mi", "nvidia.com/gpu": "1"}),
        ({"cpu": 2, "memory": "1.5Gi"}, {"cpu": "2000m"}),
    ],
    ids=["fraction-and-binary", "number-and-milli"],
)
def test_what_the_server_canonicalised_compares_unchanged(
    requests: dict[str, object], limits: dict[str, object]
) -> None:
    desired = _deployment(requests, limits)
    live = copy.deepcopy(desired)
    canonicalize(live, DEPLOYMENT)  # what kube-apiserver stores and answers
    assert live != desired, "the server's form differs in text"
    assert same(desired, live)


def test_a_changed_quantity_is_a_change() -> None:
    assert not same(_deployment({"cpu": "0.5"}, {}), _deployment({"cpu": "600m"}, {}))


def test_version_strings_are_not_quantities() -> None:
    """Only resource maps compare as quantities: a label "1.0" is not the same as "1"."""
    desired = _deployment({}, {})
    live = copy.deepcopy(desired)
    live["metadata"]["labels"]["version"] = "1"  # type: ignore[index]
    assert not same(desired, live)
