"""Size limits and duplicate JSON fields, as kube-apiserver: annotations over 256 KiB and
ConfigMaps over 1 MiB are 422 (FieldValueTooLong); a field given twice is a strict decoding error
under `fieldValidation=Strict` and a warning otherwise (both were accepted silently before #18)."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import raw, warnings


def _post_bytes(
    api_client: Any, path: str, data: bytes, query: list[tuple[str, str]]
) -> tuple[int, Any, Any]:
    """POST exact bytes (the client would re-encode a dict and lose the duplicate key)."""
    import json

    method, url, headers, _, _ = api_client.param_serialize(
        "POST",
        path,
        query_params=query,
        header_params={"Content-Type": "application/json", "Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    resp = api_client.rest_client.pool_manager.request(method, url, body=data, headers=headers)
    return resp.status, json.loads(resp.data), resp.headers


pytestmark = pytest.mark.conformance


def _cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def test_annotations_over_256_kib_are_too_long(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = {"metadata": {"name": "big-ann", "annotations": {"a": "x" * (256 * 1024)}}, "data": {}}
    code, status, _ = raw(k8s_api_client, "POST", _cms(k8s_namespace), body)
    assert (code, status["reason"]) == (422, "Invalid"), status
    causes = status["details"]["causes"]
    assert any(
        c.get("field") == "metadata.annotations" and c.get("reason") == "FieldValueTooLong" for c in causes
    )


def test_annotations_just_under_the_limit_are_fine(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = {"metadata": {"name": "ok-ann", "annotations": {"a": "x" * (256 * 1024 - 1)}}}
    code, created, _ = raw(k8s_api_client, "POST", _cms(k8s_namespace), body)
    assert code == 201, created


def test_configmap_over_1_mib_is_too_long(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = {"metadata": {"name": "big-cm"}, "data": {"a": "x" * (512 * 1024), "b": "y" * (512 * 1024 + 1)}}
    code, status, _ = raw(k8s_api_client, "POST", _cms(k8s_namespace), body)
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert any(c.get("reason") == "FieldValueTooLong" for c in status["details"]["causes"])


DUPLICATE = b'{"metadata": {"name": "dup"}, "data": {"k": "first", "k": "second"}}'


def test_duplicate_field_under_strict_is_a_decoding_error(k8s_api_client: Any, k8s_namespace: str) -> None:
    code, status, _ = _post_bytes(
        k8s_api_client, _cms(k8s_namespace), DUPLICATE, [("fieldValidation", "Strict")]
    )
    assert (code, status["reason"]) == (400, "BadRequest"), status
    assert 'strict decoding error: duplicate field "data.k"' in status["message"]


def test_duplicate_field_without_strict_warns_and_keeps_the_last(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    code, created, headers = _post_bytes(
        k8s_api_client, _cms(k8s_namespace), DUPLICATE, [("fieldValidation", "Warn")]
    )
    assert code == 201, created
    assert created["data"] == {"k": "second"}
    assert any("duplicate field" in w and "data.k" in w for w in warnings(headers)), warnings(headers)
