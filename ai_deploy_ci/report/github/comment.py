"""The sticky pull-request comment: one per PR and deploy target, edited in place.

The comment is found by a hidden marker AND its author, so a human who quotes the report
(marker included) never has their comment overwritten. The author is, in this order: the
`comment-author` input (`AI_DEPLOY_CI_COMMENT_AUTHOR`); the token's own login when `GET /user`
answers (a personal token); else unknown, because installation tokens (GITHUB_TOKEN and a
GitHub App's, which posts as `<app-slug>[bot]`) get 403 there. Unknown, our comment is the
oldest one that a bot account (`user.type == "Bot"`) begins with the marker, and only that
bot's marker comments count as ours (a human is never a bot, so quoting stays safe); with none,
the comment is created and its answer's `user.login` is the identity from then on. Assuming
`github-actions[bot]` instead made an App token add a new comment on every run.
Unchanged bodies are not re-sent: no notification, no write quota.

Exactly one, even when GitHub loses an answer: each write also carries a hidden write id
(`<!-- ai-deploy-ci-write:RUN-ATTEMPT-RANDOM -->`, last line), so when the create's answer is
lost (5xx, timeout, reset) the comments are listed again and a comment with that id means the
create was done; only when there is none of ours is it sent again. When several of ours carry
the marker (an older version's duplicates, two runs racing), the oldest is kept and edited and
the others are deleted, only those whose body starts with the marker and whose author is ours.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from ai_deploy_ci.report.github.client import GitHubClient, GitHubError

WRITE_TAG_ROOM = 80  # characters a body must leave free for its write-id line
_WRITE_TAG = re.compile(r"\n*<!-- ai-deploy-ci-write:[A-Za-z0-9_.\-]* -->\s*\Z")

Action = Literal["created", "updated", "unchanged"]


def marker(target: str) -> str:
    """`<!-- ai-deploy-ci:staging -->`; the target is reduced to safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_.\-/]", "-", target) or "default"
    return f"<!-- ai-deploy-ci:{safe} -->"


def new_write_id(run_id: str | None = None, run_attempt: str | None = None) -> str:
    """`987654321-1-3f2a…`: the workflow run, its attempt and a random part, for one write."""
    parts = [run_id or "local", run_attempt or "1", uuid.uuid4().hex[:16]]
    return "-".join(re.sub(r"[^A-Za-z0-9_.]", "", p)[:24] for p in parts)


def write_tag(write_id: str) -> str:
    """The hidden line that names one write: `<!-- ai-deploy-ci-write:ID -->`."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "", write_id)[:40]
    return f"<!-- ai-deploy-ci-write:{safe} -->"


def stamp(body: str, tag: str) -> str:
    """`body` ending in `tag` (in place of an old one): at most WRITE_TAG_ROOM characters longer."""
    return f"{unstamped(body)}\n\n{tag}\n"


def unstamped(body: str) -> str:
    """`body` without its write-id line, as compared to tell an unchanged report."""
    return _WRITE_TAG.sub("", body).rstrip()


@dataclass(frozen=True)
class CommentResult:
    action: Action
    id: int
    url: str | None


def author_login(client: GitHubClient) -> str | None:
    """The token's own login, or None when it cannot say (installation tokens get 403 on /user)."""
    try:
        user = client.get_json("/user")
    except GitHubError:
        return None
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) and login else None


def find_comments(
    client: GitHubClient, repo: str, number: int, mark: str, author: str | None
) -> list[dict[str, Any]]:
    """Every comment by `author` that carries `mark`, oldest first (as GitHub pages them).

    `author` None (unknown identity): the marker comments of the bot that wrote the oldest
    comment beginning with the marker; see the module's docstring."""
    found: list[dict[str, Any]] = []
    for item in client.paginate(f"/repos/{repo}/issues/{number}/comments"):
        if not isinstance(item, dict) or mark not in (item.get("body") or ""):
            continue
        user = item.get("user") or {}
        if author is not None:
            if user.get("login") == author:
                found.append(item)
        elif user.get("type") == "Bot":
            found.append(item)
    if author is None:
        leaders = [c for c in found if (c.get("body") or "").startswith(mark)]
        if not leaders:
            return []
        who = (leaders[0].get("user") or {}).get("login")
        found = [c for c in found if (c.get("user") or {}).get("login") == who]
    return found


def upsert_comment(
    client: GitHubClient,
    repo: str,
    number: int,
    body: str,
    *,
    target: str,
    author: str | None = None,
    write_id: str | None = None,
) -> CommentResult:
    """Create or edit the sticky comment; `body` must already carry `marker(target)`.

    Leaves exactly one comment of ours for the target: see the module's docstring.
    """
    mark = marker(target)
    if mark not in body:
        body = f"{mark}\n{body}"
    tag = write_tag(write_id or new_write_id())
    body = stamp(body, tag)
    who = author or author_login(client)
    ours = find_comments(client, repo, number, mark, who)
    if who is None and ours:
        who = (ours[0].get("user") or {}).get("login")
    if ours:
        return _settle(client, repo, ours, body, tag, mark)
    relisted: list[list[dict[str, Any]]] = []

    def landed() -> dict[str, Any] | None:  # after a lost answer: is any comment of ours there now?
        relisted.append(find_comments(client, repo, number, mark, who))
        return relisted[-1][0] if relisted[-1] else None

    created = client.create(f"/repos/{repo}/issues/{number}/comments", {"body": body}, find=landed)
    if relisted:
        # An answer was lost. Found then: settle what the lookup saw. Sent again: list once more,
        # as the lost original may have landed late, or a racing run's comment beside ours.
        ours = relisted[-1] or find_comments(client, repo, number, mark, who)
        if ours:  # (empty only if the list lags behind the create)
            return _settle(client, repo, ours, body, tag, mark)
    return CommentResult("created", int(created["id"]), created.get("html_url"))


def _settle(
    client: GitHubClient, repo: str, ours: list[dict[str, Any]], body: str, tag: str, mark: str
) -> CommentResult:
    """Keep the oldest of `ours` with `body` in it, delete the rest of ours."""
    keep = ours[0]
    current = keep.get("body") or ""
    if tag in current:
        result = CommentResult("created", int(keep["id"]), keep.get("html_url"))
    elif unstamped(current) == unstamped(body):
        result = CommentResult("unchanged", int(keep["id"]), keep.get("html_url"))
    else:
        updated = client.patch_json(f"/repos/{repo}/issues/comments/{keep['id']}", {"body": body})
        result = CommentResult("updated", int(updated["id"]), updated.get("html_url"))
    for extra in ours[1:]:
        if (extra.get("body") or "").startswith(mark):
            try:
                client.request("DELETE", f"/repos/{repo}/issues/comments/{extra['id']}")
            except GitHubError as exc:
                if exc.status != 404:  # 404: already gone (a racing run deleted it, or a retry did)
                    raise
    return result
