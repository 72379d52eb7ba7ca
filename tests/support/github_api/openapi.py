"""Hold the GitHub stand-in and our client to GitHub's own REST description (`@octokit/openapi`).

The description (OpenAPI 3.0.3, `tools/node_modules/@octokit/openapi/generated/api.github.com.json`,
installed by `make node-tools`) is the reference nobody here wrote. `Contract.check(request)`
takes one logged exchange of the stand-in and returns what disagrees with it:
- the request: the path matches a documented operation; path and query parameters are declared
  by it and fit their schemas (types, enums, minimum/maximum); the JSON body fits the request
  body's schema (required fields, enum values such as a deployment status's `state`);
- the answer: for a documented status, the JSON body fits that response's schema (required
  fields like a comment's `url` and `user`, a deployment's `node_id`, `creator`, …).
Statuses the operation does not document (a 502 from an injected fault, a dropped connection)
are not checked: GitHub answers them without promising a shape.

OpenAPI 3.0 is not JSON Schema: `nullable: true` becomes a `"null"` alternative here, once for
the whole document, and `$ref`s resolve inside it (draft-07 semantics otherwise).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.support.github_api.state import LoggedRequest

ROOT = Path(__file__).resolve().parents[3]
DESCRIPTION = ROOT / "tools" / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
BASE = "urn:github-rest-description"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema, recursively; `$ref`s made absolute."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#"):
        out["$ref"] = BASE + out["$ref"]  # absolute: a schema taken out of the document still resolves
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [{"type": "null"}, out]}
    return out


class Contract:
    """The operations of the description, with a validator per schema (built on first use)."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = _nullable(doc)
        self.registry: Registry[Any] = Registry().with_resource(
            BASE, Resource.from_contents(self.doc, default_specification=DRAFT7))
        self.routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", path) + "$"), path)
                       for path in self.doc["paths"]]

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]] | None:
        """(template, operation, path parameters) for a concrete request path, or None."""
        for pattern, template in self.routes:
            match = pattern.match(path)
            op = self.doc["paths"][template].get(method.lower())
            if match and op is not None:
                names = re.findall(r"\{([^}]+)\}", template)
                return template, op, dict(zip(names, match.groups(), strict=True))
        return None

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """A `{"$ref": "#/components/…"}` parameter as the object it names."""
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].split("#", 1)[1].lstrip("/").split("/"):
                target = target[part]
            node = target
        return node

    def _errors(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        validator = Draft7Validator(schema, registry=self.registry)
        return [f"{where}{'/' + '/'.join(map(str, e.absolute_path)) if e.absolute_path else ''}: "
                f"{e.message[:300]}" for e in validator.iter_errors(value)]

    def check_request(self, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: no such operation in GitHub's REST description"]
        template, op, path_params = found
        where = f"{method} {template}"
        problems: list[str] = []
        params = [self._deref(p) for p in op.get("parameters", [])]
        declared = {(p["in"], p["name"]): p for p in params}
        for location, given in (("path", path_params), ("query", query)):
            for pname, value in given.items():
                param = declared.get((location, pname))
                if param is None:
                    problems.append(f"{where}: {location} parameter {pname!r} is not declared")
                    continue
                schema = param.get("schema", {})
                typed: Any = value
                if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", value):
                    typed = int(value)
                elif schema.get("type") == "boolean" and value in ("true", "false"):
                    typed = value == "true"
                problems += self._errors(schema, typed, f"{where} {location} {pname}")
        for (location, pname), param in declared.items():
            sent = path_params if location == "path" else query if location == "query" else None
            if sent is not None and param.get("required") and pname not in sent:
                problems.append(f"{where}: required {location} parameter {pname!r} is missing")
        content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if content is not None and body is not None:
            problems += self._errors(content.get("schema", {}), body, f"{where} body")
        elif content is not None and (op.get("requestBody") or {}).get("required"):
            problems.append(f"{where}: the request body is required")
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        found = self.operation(method, path)
        if found is None or status == 0:
            return []
        template, op, _ = found
        response = op.get("responses", {}).get(str(status))
        if response is None:
            return []
        response = self._deref(response)
        content = (response.get("content") or {}).get("application/json")
        if content is None:
            return [] if body is None else [f"{method} {template} {status}: documented without a body"]
        return self._errors(content.get("schema", {}), body, f"{method} {template} {status} answer")

    def check(self, request: LoggedRequest) -> list[str]:
        """Everything one logged exchange gets wrong, request and answer."""
        return [*self.check_request(request.method, request.path, request.query, request.body),
                *self.check_response(request.method, request.path, request.status, request.response)]


@cache
def contract() -> Contract:
    """The description, loaded once per process (13 MB of JSON, about a second)."""
    if not DESCRIPTION.is_file():
        raise RuntimeError(f"{DESCRIPTION} is missing: run `make node-tools` (npm ci in tools/)")
    return Contract(json.loads(DESCRIPTION.read_text()))
