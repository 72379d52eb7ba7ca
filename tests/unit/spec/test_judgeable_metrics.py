"""`validate` says which metrics a strategy can judge: recreate has no baseline beside the
candidate, so its `maxIncrease` / `maxDecrease` / agreement would silently do nothing (#12)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ai_deploy_ci.spec.load import validate_text

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _warnings(doc: dict[str, object], tmp: Path) -> list[str]:
    problems = validate_text(yaml.safe_dump(doc), str(tmp / "deploy.yaml"), tmp)
    return [p.message for p in problems if p.severity == "warning"]


def test_recreate_warns_that_relative_bounds_are_not_judged(tmp_path: Path) -> None:
    doc = yaml.safe_load((EXAMPLES / "recreate.yaml").read_text())
    doc["analysis"]["metrics"][0]["maxIncrease"] = 0.2
    found = [w for w in _warnings(doc, tmp_path) if "no baseline" in w]
    assert found == [
        "recreate runs no old pod beside the new one: maxIncrease of metric 'p95-latency' has no "
        "baseline and is not judged (only its slo is)"
    ]


def test_rolling_compares_with_the_old_pods_so_no_such_warning(tmp_path: Path) -> None:
    doc = yaml.safe_load((EXAMPLES / "rolling.yaml").read_text())
    assert not [w for w in _warnings(doc, tmp_path) if "no baseline" in w]
