"""load.request / load.ignoreEos in deploy.yaml: validated by the schema, carried to the run config."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.load.locustfile_gen import make_config
from ai_deploy_ci.spec.load import load_spec, validate_text
from ai_deploy_ci.spec.model import RequestOptions
from tests.unit.spec.documents import edit

LOAD = "  users: 10\n  duration: 2m\n"


def test_request_converts_to_the_run_config(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(edit((LOAD, LOAD + "  ignoreEos: true\n  request:\n    path: /v1/models/{model}:predict\n"
                                       "    method: PUT\n    headers: {Authorization: 'Bearer ${TOKEN}'}\n")),
                    encoding="utf-8")
    load = load_spec(path).load
    assert load.request == RequestOptions("/v1/models/{model}:predict", "PUT",
                                          (("Authorization", "Bearer ${TOKEN}"),))
    config = make_config(load, protocol="json", model_name="iris", targets={"baseline": "http://b"},
                         samples_dir=tmp_path, payloads=[], base_dir=tmp_path)
    assert config.request_path == "/v1/models/{model}:predict" and config.request_method == "PUT"
    assert config.request_headers == {"Authorization": "Bearer ${TOKEN}"} and config.ignore_eos


@pytest.mark.parametrize(("body", "message"), [
    ("  request: {path: predict}\n", "a path starting with '/'"),
    ("  request: {method: DELETE}\n", "DELETE"),
    ("  request: {verb: POST}\n", "unknown key 'verb'"),
    ("  request: {headers: {'bad header': x}}\n", "bad header"),
    ("  ignoreEos: 1\n", "ignoreEos"),
], ids=["relative-path", "method", "unknown-key", "header-name", "ignore-eos-type"])
def test_bad_request_options_are_located(tmp_path: Path, body: str, message: str) -> None:
    problems = validate_text(edit((LOAD, LOAD + body)), "deploy.yaml", tmp_path)
    errors = [p for p in problems if p.severity == "error"]
    assert errors and errors[0].line >= 28, errors
    assert any(message in p.message or message in (p.fix or "") or message in p.path for p in errors), errors
