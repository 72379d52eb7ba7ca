"""Validate generated manifests against the official schemas, as a strict API server would.

Built-in kinds go through `kubernetes-validate` (strict: unknown fields fail); custom resources
through the openAPIV3Schema of the CRDs in tests/data/crds with jsonschema.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

CRDS = Path(__file__).resolve().parents[2] / "data" / "crds"
K8S_VERSION = "1.33"


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → openAPIV3Schema, from the standard Gateway API and Istio CRDs."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for name in ("gateway-api-httproute-v1.6.1-standard.yaml", "istio-networking-1.30.3.yaml"):
        for doc in yaml.safe_load_all((CRDS / name).read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for v in doc["spec"]["versions"]:
                out[(f"{group}/{v['name']}", kind)] = v["schema"]["openAPIV3Schema"]
    return out


def validate(obj: dict[str, Any]) -> None:
    """Raise on any schema violation (unknown fields included)."""
    checker = _validator(obj["apiVersion"], obj["kind"])
    if checker is not None:
        checker.validate(obj)
        return
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@functools.cache
def _validator(api_version: str, kind: str) -> Any:
    """One compiled validator per kind (re-checking the Istio schema on every call takes seconds)."""
    schema = crd_schemas().get((api_version, kind))
    if schema is None:
        return None
    closed = _closed(schema)
    closed.pop("additionalProperties", None)  # apiVersion/kind/metadata are the server's
    return jsonschema.validators.validator_for(closed)(closed)


def _closed(schema: Any) -> Any:
    """Structural schemas prune unknown fields; we want them to fail, as fieldValidation=Strict does."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema
