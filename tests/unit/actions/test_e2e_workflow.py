"""e2e.yml cannot run here (no Docker daemon, no kind); this keeps it honest by reading it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
E2E = ROOT / ".github" / "workflows" / "e2e.yml"


def _job() -> dict[str, Any]:
    doc = yaml.safe_load(E2E.read_text())
    job: dict[str, Any] = doc["jobs"]["kind"]
    return job


def test_matrix_covers_every_strategy_of_the_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "deploy.schema.json").read_text())
    strategies = set(schema["properties"]["strategy"]["properties"]["type"]["enum"])
    legs = _job()["strategy"]["matrix"]["include"]
    assert {leg["strategy"] for leg in legs} == strategies


def test_each_leg_points_at_a_matching_deploy_file() -> None:
    job = _job()
    for leg in job["strategy"]["matrix"]["include"]:
        spec = yaml.safe_load((ROOT / leg["file"]).read_text())
        assert spec["strategy"]["type"] == leg["strategy"], leg
        assert spec["metadata"]["name"] == leg["name"], leg
        assert spec["trafficRouter"]["type"] == leg["router"], leg
        assert spec["server"]["image"] == job["env"]["IMAGE"], leg


def test_service_names_match_the_planner() -> None:
    """The URLs the workflow builds must name the Services the plan's load test uses."""
    from ai_deploy_ci.plan.observed import ObservedState, RunInfo
    from ai_deploy_ci.plan.steps import Context
    from ai_deploy_ci.spec.load import load_spec

    for leg in _job()["strategy"]["matrix"]["include"]:
        spec = load_spec(ROOT / leg["file"])
        stable = {"metadata": {"name": spec.metadata.name}}
        names = Context.of(spec, ObservedState(run=RunInfo("e2e"), stable=stable, manifest=None)).names
        no_baseline = spec.strategy.type in ("rolling", "recreate")
        assert leg["baseline"] == ("" if no_baseline else names.baseline_service), leg
        assert leg["candidate"] == (names.service if no_baseline else names.candidate_service), leg


def test_deploy_files_validate() -> None:
    files = [leg["file"] for leg in _job()["strategy"]["matrix"]["include"]]
    out = subprocess.run([sys.executable, "-m", "ai_deploy_ci", "validate", *files], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_image_is_built_from_the_dockerfile_running_the_model_server() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"-m", "ai_deploy_ci", "model-server"' in dockerfile
    for needed in ("requirements.lock", "pyproject.toml", "ai_deploy_ci"):
        assert (ROOT / needed).exists() and needed in dockerfile
    steps = _job()["steps"]
    build = next(s for s in steps if "docker build" in str(s.get("run", "")))
    assert "kind load docker-image" in build["run"]
    assert sum(1 for s in steps if s.get("uses") == "./") >= 2  # v1, then v2 with the strategy


def test_kind_comes_from_a_pinned_action() -> None:
    kind = next(s for s in _job()["steps"] if str(s.get("uses", "")).startswith("helm/kind-action@"))
    assert len(kind["uses"].split("@")[1]) == 40
