"""Hostile result files (issue #14 §2): samples.jsonl.gz, summary.json and report outputs. Each is
exit 2 (unreadable input) with the file and line named — never exit 70, never exit 4 (which
would roll a deploy back for a broken file), never gigabytes of memory."""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ai_deploy_ci.load.samples_io import write_samples
from tests.integration.analysis.test_analyze_cli import DEPLOY
from tests.unit.analysis.factory import lognormal_run

ROOT = Path(__file__).resolve().parents[3]
GIB = 1 << 30
HEADER = json.dumps({"format": "ai-deploy-ci-samples", "version": 1})
ROW = '["baseline",0.1,12.0,1,200,10,"",null,0,[],0,"x"]'


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * GIB, 2 * GIB))


def analyze(directory: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "ai_deploy_ci", "analyze", str(directory)],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limit, env=env)


def good_dir(tmp: Path) -> Path:
    rng = np.random.default_rng(5)
    write_samples(tmp / "samples.jsonl.gz", {"baseline": lognormal_run(rng, 12, per_block=100, block_s=5.0),
                                             "candidate": lognormal_run(rng, 12, per_block=100, block_s=5.0)})
    (tmp / "summary.json").write_text(json.dumps({"duration_s": 60.0, "saturated": False}))
    (tmp / "deploy.yaml").write_text(DEPLOY)
    return tmp


def gz(tmp: Path, text: str) -> None:
    with gzip.open(tmp / "samples.jsonl.gz", "wt") as fh:
        fh.write(text)


def bomb(tmp: Path) -> None:
    """~3 MB of gzip members that inflate to 3 GB (the issue's 14 MB → 3 GB, smaller)."""
    member = gzip.compress(b" " * (1 << 24), 9)  # 16 MiB of spaces in ~16 KB
    (tmp / "samples.jsonl.gz").write_bytes(gzip.compress((HEADER + "\n").encode()) + member * 192)


SAMPLES = {
    "empty-file": (lambda t: gz(t, ""), "no samples"),
    "header-only": (lambda t: gz(t, HEADER + "\n"), "no samples"),
    "row-is-empty-list": (lambda t: gz(t, HEADER + "\n[]\n"), "line 2"),
    "row-too-short": (lambda t: gz(t, HEADER + "\n[1,2]\n"), "line 2"),
    "broken-json-line": (lambda t: gz(t, HEADER + "\n" + ROW + "\n[\"baseline\",\n"), "line 3"),
    "wrong-header": (lambda t: gz(t, '{"format": "something-else"}\n' + ROW + "\n"), "header"),
    "not-gzip": (lambda t: (t / "samples.jsonl.gz").write_text("plain text"), "gzip"),
    "gzip-bomb": (bomb, "inflates beyond"),
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_hostile_samples_are_exit_2(tmp_path: Path, name: str) -> None:
    good_dir(tmp_path)
    make, words = SAMPLES[name]
    make(tmp_path)
    out = analyze(tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 2, (out.returncode, text[-800:])
    assert words in text and "samples.jsonl.gz" in text and "internal error" not in text, text[-800:]


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', '{"duration_s": "long"}', "{" * 100_000, "nul"],
                         ids=["list", "string", "wrong-type", "deep", "broken"])
def test_hostile_summary_json_is_exit_2(tmp_path: Path, content: str) -> None:
    good_dir(tmp_path)
    (tmp_path / "summary.json").write_text(content)
    out = analyze(tmp_path)
    assert out.returncode == 2, (out.returncode, (out.stdout + out.stderr)[-800:])
    assert "summary.json" in out.stderr and "internal error" not in out.stderr


def test_a_good_directory_still_analyzes(tmp_path: Path) -> None:
    out = analyze(good_dir(tmp_path))
    assert out.returncode == 0, out.stderr[-800:]


@pytest.mark.parametrize("flag", ["--html", "--markdown"])
def test_report_to_a_directory_is_exit_2(tmp_path: Path, flag: str) -> None:
    results = ROOT / "tests" / "data" / "results" / "pass"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "ai_deploy_ci", "report", str(results), flag, str(tmp_path)],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2, (out.returncode, out.stderr[-800:])
    assert "is a directory" in out.stderr
