"""Answers in GitHub's shapes: errors with `message` and `documentation_url`, `Link` paging."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.github_api.state import GitHubApiState, TokenInfo, public

Result = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Call:
    """One routed request, as every endpoint handler receives it (one argument, not seven)."""

    st: GitHubApiState
    params: dict[str, str]  # the path pattern's named groups
    query: dict[str, str]
    body: dict[str, Any]
    info: TokenInfo | None
    base: str  # scheme://host:port, for URLs in answers
    path: str

    @property
    def repo(self) -> str:
        return self.params["repo"]

    def page(self, items: list[dict[str, Any]]) -> Result:
        return page(items, self.base, self.path, self.query)

    def owned(self, table: dict[int, dict[str, Any]]) -> dict[str, Any]:
        """The object `params["id"]` in `table`, 404 unless it belongs to this repository."""
        with self.st.lock:
            obj = table.get(int(self.params["id"]))
        if obj is None or obj["_repo"] != self.repo:
            raise error(404, "Not Found")
        return obj


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
