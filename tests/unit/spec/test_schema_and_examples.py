"""The schema is complete (description and examples everywhere), shipped, and every example
(in examples/ and in README.md) validates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from ai_deploy_ci.spec.load import validate_file, validate_text
from ai_deploy_ci.spec.schema import schema, validator

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=../schemas/deploy.schema.json"


def properties(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, subschema) under a `properties` keyword, anywhere in the schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, value in node.items():
            if key != "if":  # conditions name properties, they don't declare them
                yield from properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from properties(value, f"{path}[{i}]")


def objects(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield path, node
        for key, value in node.items():
            if key != "if":
                yield from objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from objects(value, f"{path}[{i}]")


def test_schema_is_valid_2020_12_with_id_and_title() -> None:
    Draft7Validator.check_schema(schema())
    assert schema()["$schema"] == "http://json-schema.org/draft-07/schema#"  # what editors support fully
    assert schema()["$id"].startswith("https://") and schema()["title"]


def test_package_data_copy_equals_schema() -> None:
    source = (ROOT / "schemas" / "deploy.schema.json").read_bytes()
    shipped = (ROOT / "ai_deploy_ci" / "schemas" / "deploy.schema.json").read_bytes()
    assert shipped == source, "run: cp schemas/deploy.schema.json ai_deploy_ci/schemas/"


def test_every_property_has_description_and_examples() -> None:
    missing = [p for p, sub in properties(schema()) if not sub.get("description") or not sub.get("examples")]
    assert not missing, missing
    assert len(list(properties(schema()))) > 150


def test_every_object_forbids_unknown_keys() -> None:
    loose = [p for p, sub in objects(schema()) if sub.get("additionalProperties") is not False]
    assert not loose, loose


@pytest.mark.parametrize(
    ("path", "sub"), list(properties(schema())), ids=lambda v: v if isinstance(v, str) else ""
)
def test_property_examples_are_valid(path: str, sub: dict[str, Any]) -> None:
    check = validator().evolve(schema={**sub, "$defs": schema()["$defs"]})
    for example in sub["examples"]:
        errors = [e.message for e in check.iter_errors(example)]
        assert not errors, (path, example, errors)


def test_examples_dir_covers_every_strategy_and_router() -> None:
    assert len(EXAMPLES) >= 10
    text = "\n".join(p.read_text() for p in EXAMPLES)
    for strategy in ("rolling", "recreate", "blueGreen", "canary", "abTest", "shadow"):
        assert re.search(rf"^  type: {strategy}$", text, re.M), strategy
    for router in ("service", "replicas", "gatewayAPI", "istio", "nginx"):
        assert re.search(rf"type: {router}\b", text), router


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid(path: Path) -> None:
    assert path.read_text().splitlines()[0] == MODELINE
    errors = [p.render() for p in validate_file(path) if p.severity == "error"]
    assert not errors, errors


def readme_blocks() -> list[str]:
    readme = ROOT / "README.md"
    if not readme.exists():
        return []
    blocks = re.findall(r"```ya?ml\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if b.lstrip().startswith("apiVersion: ai-deploy-ci/v1")]


def test_readme_deploy_blocks_are_valid(tmp_path: Path) -> None:
    """README snippets are deploy.yaml too (zero blocks is fine until the README grows some)."""
    assert (ROOT / "examples").is_dir() and EXAMPLES
    for i, block in enumerate(readme_blocks()):
        # README snippets may reference files shown elsewhere; resolve them against examples/.
        errors = [
            p.render()
            for p in validate_text(block, f"README.md block {i + 1}", ROOT / "examples")
            if p.severity == "error"
        ]
        assert not errors, errors


def test_schema_json_is_pretty_and_stable() -> None:
    text = (ROOT / "schemas" / "deploy.schema.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_the_schema_is_in_editor_form_and_readme_points_at_its_id() -> None:
    """draft-07, markdownDescription, `$id` pinned to a release tag = README's `$schema=` URL
    (tools/schema_for_editors.py writes that form; re-run it after adding properties)."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, str(root / "tools" / "schema_for_editors.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    urls = re.findall(r"\$schema=(\S+)", (root / "README.md").read_text())
    assert urls and all(u == schema()["$id"] for u in urls), urls
