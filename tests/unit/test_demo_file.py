"""`demo --file examples/X.yaml`: every example, made local, is a valid deploy.yaml that runs the
sample model server (no GPUs, no unrunnable volumes), with its referenced files beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ai_deploy_ci.commands.demo_file import localize
from ai_deploy_ci.local.overlay import SAMPLE_IMAGE
from ai_deploy_ci.spec.load import load_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs_locally(example: Path, tmp_path: Path) -> None:
    path, manifest = localize(example, tmp_path)
    spec = load_spec(path)
    assert spec.server.resources.gpus == 0 and not spec.server.volumes
    if manifest is None:
        assert spec.server.image == SAMPLE_IMAGE
    else:
        images = {c["image"] for c in manifest["spec"]["template"]["spec"]["containers"]}
        assert images == {SAMPLE_IMAGE}
        text = (example.parent / str(spec.server.manifest)).read_text()
        original = next(d for d in yaml.safe_load_all(text) if d)
        assert manifest["spec"]["selector"] == original["spec"]["selector"], "the user's selector is kept"
