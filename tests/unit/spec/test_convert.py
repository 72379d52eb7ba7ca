"""`load_spec`: the validated document as the frozen dataclasses everybody codes against."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ai_deploy_ci.errors import InputError, ValidationFailed
from ai_deploy_ci.spec import model as m
from ai_deploy_ci.spec.load import load_spec
from tests.unit.spec.documents import BASE, edit

ROOT = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    return path


def test_base_document(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, BASE))
    assert spec.metadata == m.Metadata(name="sentiment", namespace="ml")
    assert spec.server.image == "ghcr.io/acme/sentiment:1.0" and spec.server.resources.gpus == 1
    assert spec.server.readiness == m.Probe(path="/readyz")
    assert spec.strategy.canary is not None
    assert [s.kind for s in spec.strategy.canary.steps] == ["setWeight", "pause", "setWeight", "analysis"]
    assert spec.strategy.canary.steps[1].pause == 30.0
    assert spec.strategy.canary.steps[3].analysis == m.Analysis(duration=120.0)
    assert spec.traffic_router == m.TrafficRouter(type="gatewayAPI", hosts=("sentiment.example.com",))
    assert spec.load.duration == 120.0 and spec.load.users == 10
    assert [(x.name, x.line) for x in spec.analysis.metrics] == [("p95", 32), ("errors", 33)]
    assert spec.analysis.metrics[1].slo == m.Slo(max=0.01)
    assert spec.source == str(tmp_path / "deploy.yaml")


def test_pause_without_duration_waits_for_promote(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, edit(("{duration: 30s}", "{}"))))
    assert spec.strategy.canary is not None and spec.strategy.canary.steps[1].pause == math.inf


def test_defaults_when_sections_are_missing(tmp_path: Path) -> None:
    text = BASE.split("load:")[0]
    spec = load_spec(write(tmp_path, text))
    assert spec.load == m.Load() and spec.analysis == m.AnalysisSpec(metrics=())
    assert spec.rollback == m.RollbackPolicy() and spec.report == m.ReportOptions()


def test_every_example_converts() -> None:
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        spec = load_spec(path)
        assert spec.metadata.name and all(x.line for x in spec.analysis.metrics), path


def test_gateway_istio_abtest_shadow_fields() -> None:
    ab = load_spec(ROOT / "examples" / "ab-test-istio.yaml")
    assert ab.strategy.ab_test == m.AbTestStrategy(
        match=m.Match(cookie=("model-variant", "b")), duration=1800.0
    )
    gw = load_spec(ROOT / "examples" / "canary-gateway-api.yaml")
    assert gw.traffic_router.gateway == ("gateway-system", "inference-gw")
    assert gw.load.availability == m.AvailabilityProbe(enabled=True, path="/readyz", rate=5, timeout=2.0)
    shadow = load_spec(ROOT / "examples" / "shadow-istio.yaml")
    assert shadow.strategy.shadow == m.ShadowStrategy(mirror_percent=50, duration=600.0, compare_outputs=True)
    assert shadow.server.volumes[0].config_map == "intent-model-config"
    llm = load_spec(ROOT / "examples" / "openai-streaming-canary.yaml")
    prom = llm.analysis.metrics[-1].prometheus
    assert prom is not None and prom.range == 120.0 and prom.step == 15.0
    rolling = load_spec(ROOT / "examples" / "rolling.yaml")
    assert rolling.strategy.rolling == m.RollingStrategy(max_surge="1", max_unavailable="0")
    assert rolling.server.resources.requests == {"cpu": "4", "memory": "16Gi"}


def test_invalid_file_raises_validation_failed_after_printing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, edit(("setWeight: 50", "setWeight: 5")))
    with pytest.raises(ValidationFailed) as info:
        load_spec(path)
    assert info.value.location is not None and info.value.location.file == str(path)
    assert "the first on line 22: weight goes down" in info.value.message
    assert "deploy.yaml:22:20: error: $.strategy.canary.steps[2].setWeight" in capsys.readouterr().err


def test_load_spec_annotates_under_github_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    path = write(tmp_path, edit(("setWeight: 50", "setWeight: 5")))
    with pytest.raises(ValidationFailed):
        load_spec(path)
    assert capsys.readouterr().out.startswith(f"::error file={path},line=22,col=20,title=ai-deploy-ci::")


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_spec(tmp_path / "nope.yaml")
    assert info.value.exit_code == 2
