"""Schema validation of every write, with the error classes a real server uses.

Built-in kinds are checked against the `kubernetes-validate` strict schemas. As in kube-apiserver,
problems found while *decoding* (an unknown field under `fieldValidation=Strict`, a value of the wrong
JSON type) are 400 BadRequest "strict decoding error" / "cannot be handled as"; problems found by
*validation* (a required field missing, an unsupported enum value) are 422 Invalid with
`details.causes`. Custom resources are pruned, defaulted and validated against their CRD's
`openAPIV3Schema`; all their schema errors are 422 Invalid, as for CRDs on a real server.
Without Strict, unknown fields are dropped and reported in `Warning` headers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from . import schemas
from .errors import ApiError, bad_request, invalid
from .resources import ResourceType

Cause = tuple[str, str, str]
ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def field_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_JSON_TYPE = {
    "str": "string",
    "int": "number",
    "float": "number",
    "bool": "bool",
    "dict": "object",
    "list": "array",
    "NoneType": "null",
}


def _go_type(schema: dict[str, Any]) -> str:
    if "oneOf" in schema or "anyOf" in schema:
        return "intstr.IntOrString"
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "object")
    return {
        "integer": "int32",
        "string": "string",
        "boolean": "bool",
        "array": "[]",
        "object": "struct",
        "number": "float64",
    }.get(str(t), str(t))


def _cause(err: Any) -> Cause:
    """The 422 cause kube-apiserver reports for one schema error (field, reason, message).

    A `type` error reaches here only for custom resources: for built-in kinds it is a decode error.
    """
    where = field_path(err.absolute_path)
    value = json.dumps(err.instance)
    if err.validator == "required":
        text = str(err.message)
        missing = text.split("'")[1] if "'" in text else "?"
        return field_path([*err.absolute_path, missing]), "FieldValueRequired", "Required value"
    if err.validator == "enum":
        allowed = ", ".join(json.dumps(x) for x in err.validator_value if x is not None)
        return where, "FieldValueNotSupported", f"Unsupported value: {value}: supported values: {allowed}"
    if err.validator == "type":
        message = f"Invalid value: {value}: {where} in body must be of type {err.validator_value}: {value}"
        return where, "FieldValueTypeInvalid", message
    return where, "FieldValueInvalid", f"Invalid value: {value}: {err.message}"


def validate_builtin(obj: dict[str, Any], rt: ResourceType, strict: bool) -> list[str]:
    """Validate in place; drop unknown fields unless strict. Returns Warning texts."""
    v = schemas.validator(rt.api_version, rt.kind)
    if v is None:
        return []
    unknown: list[tuple[list[Any], str]] = []
    decode: list[str] = []
    causes: list[Cause] = []
    for err in v.iter_errors(obj):
        path = list(err.absolute_path)
        where = field_path(path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = set((err.schema.get("properties") or {}).keys())
            unknown += [(path, k) for k in err.instance if k not in known]
        elif err.validator in ("oneOf", "anyOf") and err.instance is None:
            continue  # null matches every branch of int-or-string / Quantity; Go decodes it as unset
        elif err.validator in ("type", "oneOf", "anyOf"):
            decode.append(
                f"json: cannot unmarshal {_JSON_TYPE.get(type(err.instance).__name__, 'value')} into Go "
                f"struct field {rt.kind}.{where} of type {_go_type(err.schema)}"
            )
        else:
            causes.append(_cause(err))
    if decode:
        raise bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {decode[0]}'
        )
    names = [field_path([*p, k]) for p, k in unknown]
    if unknown and strict:
        raise bad_request("strict decoding error: " + ", ".join(f'unknown field "{n}"' for n in names))
    for path, key in unknown:
        _drop(obj, path, key)
    if causes:
        raise invalid(rt.kind, rt.group, obj.get("metadata", {}).get("name", ""), causes)
    return [f'unknown field "{n}"' for n in names]


def _drop(obj: Any, path: list[Any], key: str) -> None:
    cur = obj
    for p in path:
        cur = cur[p]
    cur.pop(key, None)


def openapi_to_jsonschema(schema: Any) -> Any:
    """OpenAPI v3 (CRD flavour) → JSON Schema draft 7: `nullable`, int-or-string, no `x-` keys."""
    if isinstance(schema, list):
        return [openapi_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, val in schema.items():
        if k.startswith("x-kubernetes") or k in ("nullable", "example", "externalDocs"):
            continue
        if k in ("properties", "patternProperties", "definitions"):
            out[k] = {n: openapi_to_jsonschema(s) for n, s in val.items()}
        else:
            out[k] = openapi_to_jsonschema(val) if isinstance(val, dict | list) and k != "enum" else val
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def prune_and_default(value: Any, schema: dict[str, Any], path: list[Any], unknown: list[str]) -> None:
    """Walk a custom object as the apiserver's structural pruning does: remove (and record) fields the
    schema does not declare, and fill `default`s of absent properties of present objects."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        for k in list(value):
            if not path and k in ROOT_FIELDS:
                continue
            if props and k in props:
                prune_and_default(value[k], props[k], [*path, k], unknown)
            elif isinstance(addl, dict):
                prune_and_default(value[k], addl, [*path, k], unknown)
            elif (
                not preserve
                and addl is not True
                and (props is not None or addl is False or not path or schema.get("type") == "object")
            ):
                unknown.append(field_path([*path, k]))
                del value[k]
        for k, sub in (props or {}).items():
            if k not in value and isinstance(sub, dict) and "default" in sub:
                value[k] = copy.deepcopy(sub["default"])
                prune_and_default(value[k], sub, [*path, k], unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            prune_and_default(item, schema["items"], [*path, i], unknown)


def validate_custom(obj: dict[str, Any], rt: ResourceType, strict: bool) -> list[str]:
    """Prune/default then validate a custom resource against its CRD schema (422 on failure)."""
    import jsonschema

    schema = rt.crd_schema or {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    unknown: list[str] = []
    probe = copy.deepcopy(obj)
    prune_and_default(probe, schema, [], unknown)
    if unknown and strict:
        raise bad_request("strict decoding error: " + ", ".join(f'unknown field "{n}"' for n in unknown))
    probe["metadata"] = obj.get("metadata", {})  # keep the caller's metadata dict: it is written to later
    obj.clear()
    obj.update(probe)
    converted = _converted(rt)
    body = {k: v for k, v in obj.items() if k != "metadata"}
    causes = [_cause(err) for err in jsonschema.Draft7Validator(converted).iter_errors(body)]
    if causes:
        raise invalid(rt.kind, rt.group, obj.get("metadata", {}).get("name", ""), causes)
    return [f'unknown field "{n}"' for n in unknown]


_CONVERTED: dict[tuple[str, str], tuple[Any, Any]] = {}


def _converted(rt: ResourceType) -> Any:
    """Converted schema per CRD version, recomputed when the CRD's schema object changes."""
    key = (rt.crd_name, rt.version)
    cached = _CONVERTED.get(key)
    if cached is None or cached[0] is not rt.crd_schema:
        schema = copy.deepcopy(rt.crd_schema or {})
        (schema.get("properties") or {}).pop("metadata", None)
        cached = (rt.crd_schema, openapi_to_jsonschema(schema))
        _CONVERTED[key] = cached
    return cached[1]


def check_kind(obj: dict[str, Any], rt: ResourceType) -> None:
    """The body's apiVersion/kind must name the URL's resource (empty is filled in)."""
    if not isinstance(obj, dict):
        raise bad_request("the body of the request must be a JSON object")
    api_version = obj.setdefault("apiVersion", rt.api_version)
    kind = obj.setdefault("kind", rt.kind)
    if kind != rt.kind:
        raise bad_request(
            f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f'no kind "{kind}" is registered for version "{api_version}"'
        )
    if api_version != rt.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )


__all__ = ["ApiError", "check_kind", "validate_builtin", "validate_custom"]
