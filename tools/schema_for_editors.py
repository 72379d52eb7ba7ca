#!/usr/bin/env python3
"""Put schemas/deploy.schema.json (and its package copy) in the form editors read best.

Mechanical and idempotent, so it can be re-run after anyone adds properties:
- `$schema` draft-07: the schema uses no 2020-12-only keyword, and the VS Code YAML extension
  (yaml-language-server) does not fully support 2020-12; `$defs` stays (a `$ref` is a JSON
  pointer in draft-07 too);
- a `$ref` with validation keywords beside it becomes `allOf: [{$ref}]` plus them, because
  draft-07 ignores a `$ref`'s siblings (2020-12 applies them);
- `markdownDescription` beside every `description` (the YAML extension renders it as Markdown);
- `$id` pinned to the release tag, the same URL README's `# yaml-language-server: $schema=`
  line uses.
`--check` exits 1 when a file is not in that form (a test runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "schemas" / "deploy.schema.json", ROOT / "ai_deploy_ci" / "schemas" / "deploy.schema.json"]
RELEASE_TAG = "v0.1.0"  # pyproject's version; bump with each release
SCHEMA_ID = f"https://raw.githubusercontent.com/ai-deploy-ci/ai-deploy-ci/{RELEASE_TAG}/schemas/deploy.schema.json"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
ANNOTATIONS = {"$ref", "description", "markdownDescription", "title", "default", "examples", "$comment"}


def _node(node: Any) -> Any:
    if isinstance(node, list):
        return [_node(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        out[key] = _node(value)
        if key == "description" and isinstance(value, str) and "markdownDescription" not in node:
            out["markdownDescription"] = value
    if isinstance(out.get("$ref"), str) and set(out) - ANNOTATIONS:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}, *out.pop("allOf", [])], **out}
    return out


def editor_form(schema: dict[str, Any]) -> dict[str, Any]:
    out = _node(schema)
    rest = {k: v for k, v in out.items() if k not in ("$schema", "$id")}
    return {"$schema": DRAFT_07, "$id": SCHEMA_ID, **rest}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    source = json.loads(FILES[0].read_text())
    want = render(editor_form(source))
    stale = [f for f in FILES if f.read_text() != want]
    if check:
        for f in stale:
            print(f"{f.relative_to(ROOT)}: not in editor form; run tools/schema_for_editors.py",
                  file=sys.stderr)
        return 1 if stale else 0
    for f in FILES:
        f.write_text(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
