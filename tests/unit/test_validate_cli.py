"""`ai-deploy-ci validate` as users and GitHub Actions run it: output formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ai_deploy_ci.cli import main
from tests.unit.spec.documents import BASE, edit

ROOT = Path(__file__).resolve().parents[2]
BAD = edit(("    gpus: 1", "    gpu: 1"))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"good": tmp_path / "good.yaml", "bad": tmp_path / "bad.yaml", "latin1": tmp_path / "latin1.yaml"}
    out["good"].write_text(BASE)
    out["bad"].write_text(BAD)
    out["latin1"].write_bytes("metadata:\n  name: caf\xe9\n".encode("latin-1"))
    return out


def test_valid_file_exits_0(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["good"])]) == 0
    assert "ok: 1 file(s), 0 error(s)" in capsys.readouterr().err


def test_error_line_format_and_exit_1(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["validate", str(files["bad"])]) == 1
    out = capsys.readouterr().out
    assert out == (
        f"{files['bad']}:12:5: error: $.server.resources.gpu: unknown key 'gpu' (fix: did you mean 'gpus'?)\n"
    )


@pytest.mark.parametrize(
    ("name", "fragment"), [("missing", "no such file"), ("dir", "is a directory"), ("latin1", "not UTF-8")]
)
def test_unreadable_input_exits_2(
    name: str, fragment: str, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = {"missing": tmp_path / "nope.yaml", "dir": tmp_path}.get(name, files.get(name))
    assert main(["validate", str(files["good"]), str(path)]) == 2
    assert fragment in capsys.readouterr().err


def test_json_format(files: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    assert (
        main(
            [
                "validate",
                "--format",
                "json",
                "--json-out",
                str(out_file),
                str(files["good"]),
                str(files["bad"]),
            ]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads(out_file.read_text())
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 1, 0)
    problem = report["files"][1]["problems"][0]
    assert (problem["line"], problem["col"], problem["path"]) == (12, 5, "$.server.resources.gpu")
    assert problem["fix"] == "did you mean 'gpus'?"


def test_github_annotations(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["validate", str(files["bad"])]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        f"::error file={files['bad']},line=12,col=5,title=ai-deploy-ci validate::"
        "$.server.resources.gpu: unknown key 'gpu' — fix: did you mean 'gpus'?"
    )


def test_strict_turns_warnings_into_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(edit(("    readiness: {path: /readyz}", "    liveness: {path: /healthz}")))
    assert main(["validate", str(path)]) == 0
    assert "no readiness probe" in capsys.readouterr().out
    assert main(["validate", "--strict", str(path)]) == 1


def test_quoted_globs_are_expanded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["validate", "examples/*.yaml"]) == 0
    assert main(["validate", "examples/nothing-*.yaml"]) == 2
    assert "no file matches" in capsys.readouterr().err


def test_cli_subprocess_does_not_import_heavy_modules() -> None:
    """validate must stay fast and unbroken by kubernetes/Locust/scipy (and numpy)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "ai_deploy_ci",
            "validate",
            *sorted(str(p) for p in (ROOT / "examples").glob("*.yaml")),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "yaml" in imported and "jsonschema" in imported  # the parse actually worked
    for heavy in ("kubernetes", "locust", "scipy", "numpy", "gevent", "requests"):
        assert heavy not in imported, heavy
