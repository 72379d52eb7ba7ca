"""`kubectl explain` (1.37) reads `/openapi/v3` and crashed on JSON-Schema list types
(`type: ["integer", "null"]`); the documents are now OpenAPI 3.0 as kube-apiserver serves them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.conformance
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("deployment.spec.replicas", "FIELD: replicas <integer>"),
        ("deployment.spec.strategy.rollingUpdate.maxSurge", "FIELD: maxSurge <"),
        ("pods.spec.containers.resources", "FIELD: resources <ResourceRequirements>"),
    ],
)
def test_kubectl_explain_works(kubectl: Kubectl, what: str, expected: str) -> None:
    out = kubectl("explain", what)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout, out.stdout
