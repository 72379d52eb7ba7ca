"""Relative paths reach Locust absolute (it runs in the results directory), and bad duration
flags of `load-test` are user errors, not tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai_deploy_ci.cli import main
from ai_deploy_ci.load import runner
from ai_deploy_ci.spec.model import AnalysisSpec, Load, Metadata, Server, Spec, Strategy, TrafficRouter

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "local-demo-canary.yaml"


def spec_with(load: Load) -> Spec:
    return Spec(
        metadata=Metadata(name="m"),
        server=Server(image="ai-deploy-ci/sample-model-server:latest", version="v2"),
        strategy=Strategy(type="canary"),
        traffic_router=TrafficRouter(type="service"),
        load=load,
        analysis=AnalysisSpec(metrics=()),
    )


def test_spec_config_and_prepare_make_relative_paths_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy" / "load").mkdir(parents=True)
    (tmp_path / "deploy" / "payloads.jsonl").write_text('{"text": "a"}\n{"text": "b"}\n')
    monkeypatch.chdir(tmp_path)
    load = Load(locustfile="load/mine.py:Heavy", payloads_file="payloads.jsonl")
    config = runner.spec_config(spec_with(load), Path("results"), baseline_url="http://b",
                                candidate_url="http://c", duration=None, base_dir=Path("deploy"))
    assert config.samples_dir == str(tmp_path / "results" / "raw")
    assert config.user_ref == f"{tmp_path / 'deploy' / 'load' / 'mine.py'}:Heavy"
    assert config.payloads == [{"text": "a"}, {"text": "b"}]  # read against base_dir, not the cwd
    config_path, locustfile = runner.prepare(config, Path("results"))
    assert config_path == tmp_path / "results" / "locust-config.json" and locustfile.is_absolute()
    assert json.loads(config_path.read_text())["samples_dir"] == str(tmp_path / "results" / "raw")


def test_execute_hands_locust_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Locust's working directory is the results directory: a relative path there would double."""
    seen: dict[str, object] = {}

    def fake_run_locust(cmd: list[str], config_path: Path, log: Path, timeout: float,
                        extra_env: dict[str, str] | None = None, monitor: object = None) -> runner.LocustRun:
        seen.update(cmd=cmd, config_path=config_path, log=log)
        raise RuntimeError("stop here")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "run_locust", fake_run_locust)
    config = runner.spec_config(spec_with(Load()), Path("out"), baseline_url="http://b",
                                candidate_url="http://c", duration=1.0, base_dir=Path("."))
    with pytest.raises(RuntimeError, match="stop here"):
        runner.execute(config, Path("out"))
    cmd = seen["cmd"]
    assert isinstance(cmd, list)
    paths = [cmd[cmd.index("-f") + 1], cmd[cmd.index("--html") + 1], seen["config_path"], seen["log"]]
    assert all(Path(p).is_absolute() and Path(p).parent == tmp_path / "out" for p in paths), paths


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--duration", "30"), ("--duration", "5 minutes"), ("--warmup", "1d"), ("--warmup", "-5s")],
)
def test_bad_duration_flag_is_a_user_error(
    flag: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["load-test", str(EXAMPLE), "--baseline", "http://127.0.0.1:9", "--candidate", "http://127.0.0.1:9",
            f"{flag}={value}", "--out", str(tmp_path / "out")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{flag} {value!r}" in err and f"fix: for example: {flag} 30s" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before anything ran
