"""actions/validate and scripts/action-install: the conventions every action copies, and the
validate step's shell run for real (without a runner)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "actions" / "validate" / "action.yml"
INSTALL = ROOT / "scripts" / "action-install"


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return loaded


def test_steps_follow_the_conventions() -> None:
    steps = action()["runs"]["steps"]
    assert action()["runs"]["using"] == "composite"
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash", step
            assert "${{" not in step["run"], f"inputs must come through env: {step['run']}"
            assert "github.action_path" not in step["run"]
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    assert set(action()["outputs"]) >= {"valid", "errors"}


def run_step(tmp_path: Path, files: str) -> tuple[int, dict[str, str], str]:
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "validate")
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        "AI_DEPLOY_CI_PY": sys.executable,
        "FILES": files,
        "STRICT": "false",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTIONS": "true",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc.returncode, outputs, proc.stdout


def test_validate_step_on_examples(tmp_path: Path) -> None:
    status, outputs, _ = run_step(tmp_path, "examples/*.yaml\n  examples/canary-istio.yaml  ")
    assert status == 0 and outputs == {"valid": "true", "errors": "0", "warnings": "2"}
    assert not list(tmp_path.glob("ai-deploy-ci-validate.*")), "temporary report left behind"


def test_validate_step_on_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "deploy.yaml"
    bad.write_text(
        (ROOT / "examples" / "canary-gateway-api.yaml").read_text().replace("setWeight: 50", "setWeight: 5")
    )
    status, outputs, stdout = run_step(tmp_path, str(bad))
    assert status == 1 and outputs == {"valid": "false", "errors": "1", "warnings": "0"}
    assert f"::error file={bad},line=" in stdout


def test_validate_step_when_nothing_matches(tmp_path: Path) -> None:
    status, outputs, _ = run_step(tmp_path, "nowhere/**/*.yaml")
    assert status == 2 and outputs["valid"] == "false"


@pytest.fixture
def fake_checkout(tmp_path: Path) -> Path:
    """The few files action-install hashes, without the real package (nothing is installed)."""
    root = tmp_path / "action"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(INSTALL, root / "scripts")
    for name in ("requirements-runtime.lock", "pyproject.toml"):  # the lock the actions install
        shutil.copy(ROOT / name, root)
    (root / "ai_deploy_ci").mkdir()
    (root / "ai_deploy_ci" / "__init__.py").write_text("")
    (root / "schemas").mkdir()
    (root / "schemas" / "deploy.schema.json").write_text("{}")
    return root


def test_install_skips_an_up_to_date_venv(fake_checkout: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    env = {**os.environ, "AI_DEPLOY_CI_VENV": str(venv), "PYTHON": sys.executable}
    script = str(fake_checkout / "scripts" / "action-install")
    stamp = subprocess.run([script, "--stamp"], env=env, capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"lock=[0-9a-f]{64} python=3\.\d+\.\d+ uv=\S+ src=[0-9a-f]{64}\n", stamp)
    (venv / ".ai-deploy-ci-stamp").write_text(stamp)
    proc = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "up to date" in proc.stderr
    assert proc.stdout == f"python={venv}/bin/python\n"
    (fake_checkout / "ai_deploy_ci" / "__init__.py").write_text("# changed\n")
    changed = subprocess.run([script, "--stamp"], env=env, capture_output=True, text=True, check=True).stdout
    assert changed != stamp and changed.split(" src=")[0] == stamp.split(" src=")[0]


def test_cache_key_depends_on_lock_os_and_python(fake_checkout: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RUNNER_TEMP": str(tmp_path),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "PYTHON": sys.executable,
    }
    env.pop("AI_DEPLOY_CI_VENV", None)
    script = str(fake_checkout / "scripts" / "action-install")

    def key() -> dict[str, str]:
        out = subprocess.run(
            [script, "--cache-key"], env=env, capture_output=True, text=True, check=True
        ).stdout
        return dict(line.split("=", 1) for line in out.splitlines())

    first = key()
    assert first["cache-dir"] == f"{tmp_path}/ai-deploy-ci-venv"
    assert first["cache-key"].startswith(f"ai-deploy-ci-venv-v1-Linux-X64-py{sys.version_info[0]}.")
    with (fake_checkout / "requirements-runtime.lock").open("a") as f:
        f.write("# changed\n")
    assert key()["cache-key"] != first["cache-key"]
