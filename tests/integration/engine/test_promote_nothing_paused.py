"""`promote` when nothing is paused says so and exits 1, not 3 ("cluster error (rolled back)"):
nothing ran and nothing was rolled back (issue #12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.cli import main
from ai_deploy_ci.local.apiserver import ApiServerHandle
from tests.integration.engine.scenarios import deploy_yaml


def test_promote_with_nothing_paused_is_not_a_cluster_error(
    engine_cluster: ApiServerHandle, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deploy_yaml(tmp_path / "deploy.yaml", namespace, "2.0.0", [{"setWeight": 50}])
    code = main(["promote", str(path), "--kubeconfig", str(engine_cluster.kubeconfig_path),
                 "--results", str(tmp_path / "results"), "--no-analysis"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "nothing to promote" in err and "rolled back" not in err, err
