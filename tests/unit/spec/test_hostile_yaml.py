"""Hostile deploy.yaml and server.manifest files (issue #14 §2): each reproduction is a clear,
located error with exit 1 (invalid) or 2 (unreadable), within seconds and bounded memory —
never a segfault, an exit 70, a hang or gigabytes. Run through the real CLI in a subprocess so a
crash of the C parser is seen as one (exit 139), with an address-space limit of 1 GiB."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = (ROOT / "examples" / "local-demo-canary.yaml").read_text()
GIB = 1 << 30


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * GIB, 2 * GIB))  # address space; the libraries map ~1 GiB


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "ai_deploy_ci", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=30, preexec_fn=_limit, env=env)


def bomb_manifest() -> str:
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata: {name: demo}", "spec:", "  template:",
             "    metadata:", '      a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"      a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    lines += ["    spec:", "      containers: [{name: x, image: y}]"]
    return "\n".join(lines) + "\n"


CASES = {
    "50k-nested-flow": ("[" * 50_000, 1, "nested deeper than 64"),
    "50k-nested-block": ("- " * 50_000 + "x", 1, "nested deeper than 64"),
    "float-tag-on-a-name": (EXAMPLE.replace("name: demo", "name: !!float sentiment"), 1, "read as float"),
    "int-tag-on-words": (EXAMPLE.replace("replicas: 2", "replicas: !!int three"), 1, "cannot be read as int"),
    "4301-digit-integer": (EXAMPLE.replace("replicas: 2", "replicas: " + "9" * 4301), 1, "4,300 digits"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_deploy_yaml_is_a_located_error(tmp_path: Path, name: str) -> None:
    text, code, words = CASES[name]
    (tmp_path / "deploy.yaml").write_text(text)
    out = cli("validate", "deploy.yaml", cwd=tmp_path)
    assert out.returncode == code, (out.returncode, out.stderr[-500:])
    assert words in out.stdout + out.stderr
    assert "deploy.yaml:" in out.stdout + out.stderr and "internal error" not in out.stderr


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_refused_not_read(tmp_path: Path, path: str) -> None:
    if path == "fifo":
        os.mkfifo(tmp_path / "fifo")  # no writer: open() would block forever
    out = cli("validate", path, cwd=tmp_path)
    assert out.returncode == 2, out.stderr[-500:]
    assert "not a regular file" in out.stdout + out.stderr


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_an_alias_bomb_in_server_manifest_is_refused(tmp_path: Path, command: str) -> None:
    doc = yaml.safe_load(EXAMPLE)
    del doc["server"]["image"]
    doc["server"]["manifest"] = "deployment.yaml"
    (tmp_path / "deploy.yaml").write_text(yaml.safe_dump(doc))
    (tmp_path / "deployment.yaml").write_text(bomb_manifest())
    out = cli(command, "deploy.yaml", cwd=tmp_path)
    assert out.returncode == 1, (out.returncode, out.stderr[-500:])
    assert "alias bomb" in out.stdout + out.stderr


def test_the_manifest_reader_bounds_what_validate_cannot_see(tmp_path: Path) -> None:
    """The engine's own reader (deploy, run) applies the same bounds, whatever validate said."""
    from ai_deploy_ci.errors import InputError
    from ai_deploy_ci.spec.bounded import load_yaml_documents

    (tmp_path / "m.yaml").write_text(bomb_manifest())
    with pytest.raises(InputError, match="alias bomb"):
        load_yaml_documents(tmp_path / "m.yaml")
    (tmp_path / "deep.yaml").write_text("[" * 50_000)
    with pytest.raises(InputError, match="nested deeper"):
        load_yaml_documents(tmp_path / "deep.yaml")
    (tmp_path / "tag.yaml").write_text("replicas: !!int three\n")
    with pytest.raises(InputError, match="YAML tag") as exc:
        load_yaml_documents(tmp_path / "tag.yaml")
    assert exc.value.exit_code == 2 and exc.value.location is not None
