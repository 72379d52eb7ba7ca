"""API errors carried as exceptions and rendered as `kind: Status` bodies, as a real server does.

Clients (the official Python client, kubectl) branch on `code` and `reason`, so both must match
what kube-apiserver sends for the same mistake; messages follow its wording where we know it.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP code + Status reason, optional `details` and extra headers."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def _about(code: int, reason: str, resource: str, group: str, name: str, template: str) -> ApiError:
    """An error about one named object; `{what}` in the template becomes `resource.group "name"`."""
    what = f'{_qualified(resource, group)} "{name}"'
    details = {"name": name, "group": group, "kind": resource}
    return ApiError(code, reason, template.format(what=what), details=details)


def not_found(resource: str, group: str, name: str) -> ApiError:
    return _about(404, "NotFound", resource, group, name, "{what} not found")


def already_exists(resource: str, group: str, name: str) -> ApiError:
    return _about(409, "AlreadyExists", resource, group, name, "{what} already exists")


def conflict(resource: str, group: str, name: str) -> ApiError:
    return _about(
        409,
        "Conflict",
        resource,
        group,
        name,
        "Operation cannot be fulfilled on {what}: the object has been modified; "
        "please apply your changes to the latest version and try again",
    )


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; causes are (field, reason, message) like `spec.replicas`, `FieldValueInvalid`."""
    text = "; ".join(f"{field}: {msg}" for field, _, msg in causes)
    qualified = _qualified(kind, group)
    return ApiError(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: [{text}]'
        if len(causes) > 1
        else f'{qualified} "{name}" is invalid: {text}',
        details={
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": r, "message": m, "field": f} for f, r, m in causes],
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(
    message: str = "the server does not allow this method on the requested resource",
) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message, details={})


def unsupported_media_type(content_type: str, accepted: list[str]) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
        details={},
    )


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)
