"""Object size limits of kube-apiserver (422 Invalid, FieldValueTooLong).

- annotations: keys + values at most 256 KiB in total (apimachinery
  api/validation/objectmeta.go `ValidateAnnotationsSize`, `TotalAnnotationSizeLimitB`);
- ConfigMap `data` + `binaryData` and Secret `data` at most 1 MiB (core/validation
  `ValidateConfigMap` / `ValidateSecret`, `core.MaxSecretSize`).
The run state of ai-deploy-ci lives in one ConfigMap and its records in annotations, so a record
that outgrows these limits must fail here as it would on a cluster.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

Cause = tuple[str, str, str]
TOTAL_ANNOTATION_SIZE = 256 * 1024
MAX_SECRET_SIZE = 1024 * 1024


def _too_long(path: str, limit: int) -> Cause:
    return (path, "FieldValueTooLong", f"Too long: may not be more than {limit} bytes")


def annotation_causes(meta: dict[str, Any], where: str = "metadata.annotations") -> list[Cause]:
    annotations = meta.get("annotations") or {}
    total = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
    return [_too_long(where, TOTAL_ANNOTATION_SIZE)] if total > TOTAL_ANNOTATION_SIZE else []


def _decoded_len(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def data_causes(obj: dict[str, Any], kind: str) -> list[Cause]:
    if kind == "ConfigMap":
        total = sum(len(str(v).encode()) for v in (obj.get("data") or {}).values())  # values only
        total += sum(_decoded_len(v) for v in (obj.get("binaryData") or {}).values())
        return [_too_long("", MAX_SECRET_SIZE)] if total > MAX_SECRET_SIZE else []
    if kind == "Secret":
        total = sum(_decoded_len(v) for v in (obj.get("data") or {}).values())
        return [_too_long("data", MAX_SECRET_SIZE)] if total > MAX_SECRET_SIZE else []
    return []
