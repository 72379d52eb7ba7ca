"""`validate` refuses what a real API server would refuse from the objects the plan writes:
request above limit, GPU request unlike its limit, Service names that are not DNS-1035 (#18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.spec.load import validate_text
from tests.unit.spec.documents import edit

GPU_RES = "    gpus: 1\n"

# (id, document, line, col, fragment of the message, fragment of the fix)
CASES: list[tuple[str, str, int, int, str, str]] = [
    (
        "cpu-request-above-limit",
        edit((GPU_RES, GPU_RES + '    requests: {cpu: "4"}\n    limits: {cpu: "2"}\n')),
        13,
        21,
        "must be less than or equal to cpu limit of 2",
        "lower requests.cpu",
    ),
    (
        "gpu-request-unlike-gpus",
        edit((GPU_RES, "    gpus: 2\n    requests: {nvidia.com/gpu: 1}\n")),
        13,
        32,
        "must be equal to nvidia.com/gpu limit of 2",
        "gpus: N",
    ),
    (
        "half-a-gpu-limit",
        edit((GPU_RES, '    limits: {nvidia.com/gpu: "0.5"}\n')),
        12,
        30,
        "must be an integer",
        "gpus: N",
    ),
    (
        "gpu-request-without-limit",
        edit((GPU_RES, "    requests: {nvidia.com/gpu: 1}\n")),
        12,
        32,
        "Limit must be set for non overcommitable resources",
        "gpus: N",
    ),
    (
        "model-name-starting-with-a-digit",
        edit(("  name: sentiment", "  name: 9fraud-scorer")),
        4,
        9,
        "a Kubernetes Service name must be a DNS-1035 label",
        "'fraud-scorer'",
    ),
]


@pytest.mark.parametrize(
    ("doc", "line", "col", "message", "fix"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_kubernetes_rule_is_a_located_error(
    doc: str, line: int, col: int, message: str, fix: str, tmp_path: Path
) -> None:
    problems = [p for p in validate_text(doc, "deploy.yaml", tmp_path) if p.severity == "error"]
    hits = [p for p in problems if message in p.message]
    assert hits, problems
    assert (hits[0].line, hits[0].col) == (line, col), hits[0].render()
    assert fix in (hits[0].fix or ""), hits[0].render()


@pytest.mark.parametrize(
    "resources",
    [
        '    requests: {cpu: "0.5", memory: 1024Mi}\n    limits: {cpu: 500m, memory: 1Gi}\n',
        '    requests: {cpu: "2"}\n',
    ],
    ids=["equal-in-other-units", "request-without-limit"],
)
def test_resources_a_cluster_accepts_pass(resources: str, tmp_path: Path) -> None:
    doc = edit((GPU_RES, resources))
    assert [p for p in validate_text(doc, "deploy.yaml", tmp_path) if p.severity == "error"] == []
