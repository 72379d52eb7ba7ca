"""Answers in GitHub's shapes: errors with `message` and `documentation_url`, `Link` paging."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from ai_deploy_ci.testing.github_api.state import public

Result = tuple[int, Any, dict[str, str]]


class Reply(Exception):
    """Raised to answer with a status, a JSON body and extra headers."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def error(status: int, message: str, **extra: Any) -> Reply:
    doc = "https://docs.github.com/rest"
    return Reply(status, {"message": message, "documentation_url": doc, "status": str(status), **extra})


def invalid(resource: str, field: str, code: str = "missing_field") -> Reply:
    return error(422, "Validation Failed", errors=[{"resource": resource, "field": field, "code": code}])


def link_header(base: str, path: str, query: dict[str, str], page: int, last: int) -> str:
    """GitHub's `Link` header: next/last, and prev/first after page 1."""

    def url(p: int) -> str:
        return f"{base}{path}?{urlencode({**query, 'page': p})}"

    rels = []
    if page < last:
        rels += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        rels += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
    return ", ".join(rels)


def page(items: list[dict[str, Any]], base: str, path: str, query: dict[str, str]) -> Result:
    try:
        per_page = min(100, max(1, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
    except ValueError:
        raise error(422, "Invalid pagination parameters") from None
    last = max(1, -(-len(items) // per_page))
    chunk = [public(i) for i in items[(page - 1) * per_page : page * per_page]]
    link = link_header(base, path, query, page, last)
    return 200, chunk, ({"link": link} if link else {})


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
