"""The endpoint table of the GitHub stand-in: (path pattern, method) → handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.github_api import issues, repos
from tests.support.github_api.replies import Call, Result, error
from tests.support.github_api.state import GitHubApiState, TokenInfo


def route(
    st: GitHubApiState,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    info: TokenInfo | None,
    base: str,
) -> Result:
    fields = body if isinstance(body, dict) else {}
    for pattern, verb, fn in ROUTES:
        m = re.fullmatch(pattern, path)
        if m and verb == method:
            return fn(Call(st, m.groupdict(), query, fields, info, base, path))
    raise error(404, "Not Found")


_REPO = r"/repos/(?P<repo>[^/]+/[^/]+)"
ROUTES: list[tuple[str, str, Callable[[Call], Result]]] = [
    (r"/user", "GET", issues.user),
    (_REPO + r"/issues/(?P<n>\d+)/comments", "GET", issues.list_comments),
    (_REPO + r"/issues/(?P<n>\d+)/comments", "POST", issues.create_comment),
    (_REPO + r"/issues/comments/(?P<id>\d+)", "GET", issues.get_comment),
    (_REPO + r"/issues/comments/(?P<id>\d+)", "PATCH", issues.edit_comment),
    (_REPO + r"/issues/comments/(?P<id>\d+)", "DELETE", issues.delete_comment),
    (_REPO + r"/deployments", "POST", repos.create_deployment),
    (_REPO + r"/deployments", "GET", repos.list_deployments),
    (_REPO + r"/deployments/(?P<id>\d+)/statuses", "POST", repos.create_status),
    (_REPO + r"/deployments/(?P<id>\d+)/statuses", "GET", repos.list_statuses),
]
