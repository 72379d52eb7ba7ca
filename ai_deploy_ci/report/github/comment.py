"""The sticky pull-request comment: one per PR and deploy target, edited in place.

The comment is found by a hidden marker AND its author, so a human who quotes the report
(marker included) never has their comment overwritten. The author is the token's own login
when `GET /user` tells us (a PAT or app token), else `github-actions[bot]` (GITHUB_TOKEN
cannot read /user). Unchanged bodies are not re-sent: no notification, no write quota.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ai_deploy_ci.report.github.client import GitHubClient, GitHubError

DEFAULT_BOT = "github-actions[bot]"

Action = Literal["created", "updated", "unchanged"]


def marker(target: str) -> str:
    """`<!-- ai-deploy-ci:staging -->`; the target is reduced to safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_.\-/]", "-", target) or "default"
    return f"<!-- ai-deploy-ci:{safe} -->"


@dataclass(frozen=True)
class CommentResult:
    action: Action
    id: int
    url: str | None


def author_login(client: GitHubClient, default: str = DEFAULT_BOT) -> str:
    """Whom our comments are from; falls back to the Actions bot when /user is refused."""
    try:
        user = client.get_json("/user")
    except GitHubError:
        return default
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) and login else default


def find_comment(
    client: GitHubClient, repo: str, number: int, mark: str, author: str
) -> dict[str, Any] | None:
    """The newest comment by `author` whose body starts with (or contains) `mark`."""
    found = None
    for item in client.paginate(f"/repos/{repo}/issues/{number}/comments"):
        if not isinstance(item, dict):
            continue
        body = item.get("body") or ""
        login = (item.get("user") or {}).get("login")
        if login == author and mark in body:
            found = item  # pages are oldest first: keep the last match
    return found


def upsert_comment(
    client: GitHubClient, repo: str, number: int, body: str, *, target: str, author: str | None = None
) -> CommentResult:
    """Create or edit the sticky comment; `body` must already carry `marker(target)`."""
    mark = marker(target)
    if mark not in body:
        body = f"{mark}\n{body}"
    who = author or author_login(client)
    existing = find_comment(client, repo, number, mark, who)
    if existing is None:
        created = client.post_json(f"/repos/{repo}/issues/{number}/comments", {"body": body})
        return CommentResult("created", int(created["id"]), created.get("html_url"))
    if (existing.get("body") or "").rstrip() == body.rstrip():
        return CommentResult("unchanged", int(existing["id"]), existing.get("html_url"))
    updated = client.patch_json(f"/repos/{repo}/issues/comments/{existing['id']}", {"body": body})
    return CommentResult("updated", int(updated["id"]), updated.get("html_url"))
