"""The JSON Schema (package data) and the translation of its errors into located problems.

jsonschema's messages speak about instances ("'x' is not of type 'integer'"); users need the
line, the key they mistyped and what to write instead, so each validator keyword gets its own
wording here. The compiled validator is cached: validating many files pays for it once.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from ai_deploy_ci.spec.problems import Path
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

# Package data, read by path: importlib.resources would pull in importlib.metadata and email (~15 ms)
# for nothing, since the package is always installed as files (zip imports are not supported).
SCHEMA_PATH = FsPath(__file__).resolve().parent.parent / "schemas" / "deploy.schema.json"
_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "mapping",
    type(None): "null",
}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The schema shipped inside the package (`ai_deploy_ci/schemas/deploy.schema.json`)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=1)
def validator() -> Draft7Validator:
    return Draft7Validator(schema())  # the schema declares draft-07 (editors support it fully)


def schema_problems(doc: Document) -> list[RawProblem]:
    """Every schema violation of `doc.data`, located, one problem per unknown key."""
    out: list[RawProblem] = []
    for error in validator().iter_errors(doc.data):
        out.extend(_translate(error, doc))
    return out


def _translate(error: ValidationError, doc: Document) -> Iterator[RawProblem]:
    path: Path = tuple(error.absolute_path)
    kind = error.validator
    sub: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(sub.get("properties", {}))
        for key in error.instance:
            if key in sub.get("properties", {}):
                continue
            line, col = doc.where((*path, key), key=True)
            yield RawProblem(line, col, (*path, key), f"unknown key '{key}'", _suggest(key, known))
        return
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        line, col = doc.where(
            (*path, error.instance), key=True
        )  # jsonschema locates the mapping, not the key
        message, fix = _message(error, sub)
        yield RawProblem(line, col, (*path, error.instance), f"key {message}", fix)
        return
    if "x-message" in sub:  # the schema words this rule itself (conditions jsonschema words badly)
        forbidden = _forbidden_key(error)
        if forbidden is not None:
            path = (*path, forbidden)
        line, col = doc.where(path, key=forbidden is not None)
        yield RawProblem(line, col, path, _fill(sub["x-message"], error.instance), sub.get("x-fix"))
        return
    line, col = doc.where(path)
    if kind == "required" and isinstance(error.validator_value, list):
        missing = [
            k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance
        ]
        line, col = doc.where(path, key=True)
        for key in missing:
            yield RawProblem(line, col, path, f"missing required key '{key}'", _example_fix(key, sub, path))
        return
    yield RawProblem(line, col, path, *_message(error, sub))


def _message(error: ValidationError, sub: dict[str, Any]) -> tuple[str, str | None]:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        got = _JSON_TYPES.get(type(instance), type(instance).__name__)
        wanted = value if isinstance(value, str) else " or ".join(value)
        if wanted == "integer" and isinstance(instance, float) and math.isfinite(instance):
            return (
                f"must be a whole number, got {instance}",
                f"use a whole number such as {max(round(instance), 0)}",
            )
        if "string" in wanted and isinstance(instance, int | float) and not isinstance(instance, bool):
            return f"expected {wanted}, got {got} {instance!r}", f'quote it: "{instance}"'
        return f"expected {wanted}, got {got} {_short(instance)}", _first_example(sub)
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        suggestion = _suggest(str(instance), [str(a) for a in allowed])
        choices = ", ".join(str(a) for a in allowed)
        return f"{_short(instance)} is not one of: {choices}", suggestion or f"use one of: {choices}"
    if kind == "pattern":
        return f"{_short(instance)} is not valid here", sub.get("x-fix") or f"match the pattern {value}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "greater than",
            "exclusiveMaximum": "less than",
        }[str(kind)]
        return f"{instance} is out of range: must be {word} {value}", None
    if kind in ("minLength", "maxLength"):
        word = "at least" if kind == "minLength" else "at most"
        return f"{_short(instance)} must be {word} {value} characters long", None
    if kind == "minItems":
        return f"needs at least {value} item(s)", _first_example(sub)
    if kind in ("minProperties", "maxProperties") and isinstance(instance, dict):
        options = ", ".join(sorted(sub.get("properties", {})))
        if options:
            return f"set exactly one of: {options}", f"keep one of {options}" if instance else None
        return f"needs at least {value} key(s)", None
    if kind == "oneOf" and all(set(s) == {"required"} for s in value):
        names = [s["required"][0] for s in value]
        have = [n for n in names if isinstance(instance, dict) and n in instance]
        what = "both" if have else "neither"
        return (
            f"set exactly one of {' or '.join(names)} ({what} given)",
            f"keep only '{names[0]}' or '{names[1]}'",
        )
    return error.message, None


def _forbidden_key(error: ValidationError) -> str | None:
    """The key a `not: {required: [key]}` forbids, where the instance has it (to point at it)."""
    value = error.validator_value
    if error.validator == "not" and isinstance(value, dict) and list(value) == ["required"]:
        present = [k for k in value["required"] if isinstance(error.instance, dict) and k in error.instance]
        return present[0] if present else None
    return None


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, instance: Any) -> str:
    """`x-message` with `{key}` replaced by the instance's scalar values (`?` when absent)."""
    scalars = instance.items() if isinstance(instance, dict) else ()
    return template.format_map(_Fields({k: v for k, v in scalars if isinstance(v, str | int | float)}))


def _suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return (
        f"did you mean '{close[0]}'?"
        if close
        else (f"valid keys here: {', '.join(choices)}" if choices else None)
    )


def _example_fix(key: str, sub: dict[str, Any], path: Path) -> str:
    prop = _resolve(sub.get("properties", {}).get(key, {}))
    examples = prop.get("examples") or []
    if examples and not isinstance(examples[0], dict | list):
        return f"add `{key}: {examples[0]}`"
    return f"add `{key}:`" + (f" under {path[-1]}" if path else "")


def _first_example(sub: dict[str, Any]) -> str | None:
    examples = _resolve(sub).get("examples") or []
    return f"for example: {json.dumps(examples[0])}" if examples else None


def _resolve(sub: dict[str, Any]) -> dict[str, Any]:
    ref = sub.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {
            **schema()["$defs"][ref.removeprefix("#/$defs/")],
            **{k: v for k, v in sub.items() if k != "$ref"},
        }
    return sub


def _short(value: object) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
