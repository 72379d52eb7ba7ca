"""The pure parts of the cluster package: kubectl's rollout rule, diagnoses, GPU arithmetic, RBAC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ai_deploy_ci.cluster.diagnose import explain, fix_for
from ai_deploy_ci.cluster.wait import rollout_status
from ai_deploy_ci.plan import permissions
from ai_deploy_ci.plan.capacity import extra_pods, free_gpus
from ai_deploy_ci.plan.registry import make_plan
from tests.unit.engine.specs import make_spec, stable_hpa, state_with_stable, supported_pairs

ROOT = Path(__file__).resolve().parents[3]


def _dep(gen: int = 2, observed: int = 2, want: int = 3, **status: object) -> dict[str, Any]:
    return {
        "metadata": {"name": "m", "generation": gen},
        "spec": {"replicas": want},
        "status": {"observedGeneration": observed, **status},
    }


@pytest.mark.parametrize(
    ("dep", "done", "failed", "words"),
    [
        (_dep(gen=3), False, False, "observed"),
        (_dep(updatedReplicas=1), False, False, "1 of 3 new replicas"),
        (_dep(updatedReplicas=3, replicas=4), False, False, "old replicas pending"),
        (
            _dep(updatedReplicas=3, replicas=3, availableReplicas=2),
            False,
            False,
            "2 of 3 updated replicas available",
        ),
        (_dep(updatedReplicas=3, replicas=3, availableReplicas=3), True, False, "successfully rolled out"),
        (
            _dep(
                conditions=[{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]
            ),
            False,
            True,
            "progress deadline",
        ),
    ],
    ids=["generation", "updating", "old-pods", "unavailable", "done", "deadline"],
)
def test_rollout_status_follows_kubectl(dep: dict[str, Any], done: bool, failed: bool, words: str) -> None:
    st = rollout_status(dep)
    assert (st.done, st.failed) == (done, failed) and words in st.message


def test_diagnoses_say_what_to_do() -> None:
    pods = [
        {
            "metadata": {"name": "a"},
            "status": {
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
                    }
                ]
            },
        },
        {
            "metadata": {"name": "b"},
            "status": {
                "containerStatuses": [
                    {
                        "name": "server",
                        "image": "x:1",
                        "state": {
                            "waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}
                        },
                    }
                ]
            },
        },
        {
            "metadata": {"name": "c"},
            "status": {
                "containerStatuses": [
                    {
                        "name": "server",
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    }
                ]
            },
        },
        {
            "metadata": {"name": "d"},
            "status": {"containerStatuses": [{"name": "server", "ready": False, "state": {"running": {}}}]},
        },
    ]
    events = [
        {"involvedObject": {"name": "d"}, "reason": "Unhealthy", "message": "Readiness probe failed: 503"}
    ]
    lines = explain(pods, events, {"c": "Traceback...\nKeyError: 'MODEL_PATH'\n"})
    text = "\n".join(lines)
    assert "not enough free nvidia.com/gpu" in text
    assert "image x:1 cannot be pulled" in text
    assert "keeps crashing (restarts: 4)" in text and "KeyError: 'MODEL_PATH'" in text
    assert "Readiness probe failed: 503" in text
    assert "GPU" in fix_for(lines[:1]) and "image" in fix_for(lines[1:2])


def test_blue_green_needs_twice_the_pods_and_canary_only_its_share() -> None:
    bg = make_spec("blueGreen", "service", replicas=4)
    assert extra_pods(make_plan(bg, state_with_stable(bg)), 4) == 4 + 1  # green + stable's surge at promotion
    canary = make_spec("canary", "gatewayAPI", replicas=4)
    assert extra_pods(make_plan(canary, state_with_stable(canary)), 4) == 2 + 1  # 50 % → 2 pods, + surge


def test_free_gpus_counts_only_schedulable_ready_nodes() -> None:
    def node(name: str, gpus: int, ready: bool = True, cordoned: bool = False) -> dict[str, Any]:
        return {
            "metadata": {"name": name},
            "spec": {"unschedulable": cordoned},
            "status": {
                "allocatable": {"nvidia.com/gpu": str(gpus)},
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            },
        }

    pod = {
        "spec": {"nodeName": "n1", "containers": [{"resources": {"limits": {"nvidia.com/gpu": "3"}}}]},
        "status": {"phase": "Running"},
    }
    nodes = [node("n1", 4), node("n2", 4, ready=False), node("n3", 8, cordoned=True)]
    assert free_gpus(nodes, [pod]) == 1


def test_rbac_role_is_exactly_what_the_plans_need() -> None:
    needed: set[tuple[str, str, str]] = set()
    for strategy, router in supported_pairs():
        spec = make_spec(strategy, router)
        for hpa in (None, stable_hpa(spec)):  # with a stable HPA, plans also write HPAs
            needed |= permissions.required(make_plan(spec, state_with_stable(spec, hpa=hpa)))
    role = next(
        d for d in yaml.safe_load_all((ROOT / "docs" / "rbac.yaml").read_text()) if d["kind"] == "Role"
    )
    granted = {
        (g, r, v)
        for rule in role["rules"]
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }
    assert needed - granted == set(), "docs/rbac.yaml lacks permissions the plans use"
    assert granted - needed == set(), "docs/rbac.yaml grants more than the plans use"
