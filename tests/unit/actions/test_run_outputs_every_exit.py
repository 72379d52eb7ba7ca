"""`ai-deploy-ci run` writes truthful step outputs on every exit path (issue #14 §3): a bug (exit
70) and a cancel (130) say so in `exit-code`, and `outcome` is never empty when the run failed
before the engine could write rollout.json; a stale rollout.json of an earlier run is not reused."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ai_deploy_ci.commands import run as run_command


def outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


@pytest.mark.parametrize(("error", "code"), [(RuntimeError("a bug"), 70), (KeyboardInterrupt(), 130)],
                         ids=["bug", "interrupt"])
def test_outputs_on_an_unexpected_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       error: BaseException, code: int) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "rollout.json").write_text(json.dumps({"outcome": "promoted"}))  # a stale one
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))

    def boom(*_: object) -> None:
        raise error

    monkeypatch.setattr(run_command, "_run", boom)
    args = argparse.Namespace(results_dir=results, github_outputs=True, mode="pr-check", no_report=True,
                              file=tmp_path / "deploy.yaml")
    with pytest.raises(type(error)):
        run_command.run(args)
    got = outputs(out)
    assert got["exit-code"] == str(code)
    assert got["outcome"] == "not_started"
