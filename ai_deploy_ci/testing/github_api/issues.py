"""`/user` and issue comments: what the sticky comment needs."""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.testing.github_api.replies import Result, error, invalid, now, page
from ai_deploy_ci.testing.github_api.state import NOT_ACCESSIBLE, GitHubApiState, TokenInfo, public

MAX_BODY = 65_536


def user(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    if info is None:
        raise error(401, "Requires authentication")
    if not info.reads_user:
        raise error(403, NOT_ACCESSIBLE)
    return 200, {"login": info.login, "id": 4242, "type": info.user_type}, {}


def _body(b: dict[str, Any]) -> str:
    text = b.get("body")
    if not isinstance(text, str):
        raise invalid("IssueComment", "body")
    if len(text) > MAX_BODY:
        raise error(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        )
    return text


def list_comments(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    return page(st.issue_comments(g["repo"], int(g["n"])), base, path, q)


def create_comment(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    assert info is not None
    comment = st.add_comment(
        g["repo"], int(g["n"]), _body(b), info.login, "https://github.com", info.user_type
    )
    return 201, public(comment), {"location": f"{base}/repos/{g['repo']}/issues/comments/{comment['id']}"}


def _comment(st: GitHubApiState, g: dict[str, str]) -> dict[str, Any]:
    with st.lock:
        comment = st.comments.get(int(g["id"]))
    if comment is None or comment["_repo"] != g["repo"]:
        raise error(404, "Not Found")
    return comment


def get_comment(st: GitHubApiState, g: dict[str, str], *_: Any) -> Result:
    return 200, public(_comment(st, g)), {}


def edit_comment(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    comment = _comment(st, g)
    assert info is not None
    if comment["user"]["login"] != info.login:  # integrations may edit only their own comments
        raise error(403, NOT_ACCESSIBLE)
    with st.lock:
        comment["body"] = _body(b)
        comment["updated_at"] = now()
    return 200, public(comment), {}


def delete_comment(st: GitHubApiState, g: dict[str, str], *_: Any) -> Result:
    comment = _comment(st, g)
    with st.lock:
        del st.comments[comment["id"]]
    return 204, None, {}
