"""`/user` and issue comments: what the sticky comment needs."""

from __future__ import annotations

from typing import Any

from tests.support.github_api.replies import Call, Result, error, invalid, now
from tests.support.github_api.state import NOT_ACCESSIBLE, public, simple_user

MAX_BODY = 65_536


def user(c: Call) -> Result:
    if c.info is None:
        raise error(401, "Requires authentication")
    if not c.info.reads_user:
        raise error(403, NOT_ACCESSIBLE)
    profile = {"name": None, "company": None, "blog": "", "location": None, "email": None, "hireable": None,
               "bio": None, "public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
               "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}
    return 200, {**simple_user(c.info.login, c.info.user_type, c.base), **profile}, {}


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


def list_comments(c: Call) -> Result:
    return c.page(c.st.issue_comments(c.repo, int(c.params["n"])))


def create_comment(c: Call) -> Result:
    assert c.info is not None
    comment = c.st.add_comment(
        c.repo, int(c.params["n"]), _body(c.body), c.info.login, "https://github.com", c.info.user_type,
        api=c.base,
    )
    return 201, public(comment), {"location": f"{c.base}/repos/{c.repo}/issues/comments/{comment['id']}"}


def get_comment(c: Call) -> Result:
    return 200, public(c.owned(c.st.comments)), {}


def edit_comment(c: Call) -> Result:
    comment = c.owned(c.st.comments)
    assert c.info is not None
    if comment["user"]["login"] != c.info.login:  # integrations may edit only their own comments
        raise error(403, NOT_ACCESSIBLE)
    with c.st.lock:
        comment["body"] = _body(c.body)
        comment["updated_at"] = now()
    return 200, public(comment), {}


def delete_comment(c: Call) -> Result:
    comment = c.owned(c.st.comments)
    with c.st.lock:
        del c.st.comments[comment["id"]]
    return 204, None, {}
