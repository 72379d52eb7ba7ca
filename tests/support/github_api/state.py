"""The GitHub stand-in's data and fault knobs, separate from HTTP so tests can inspect them.

Only what the report touches is modelled, but strictly where GitHub is strict: tokens that
cannot write get 403 "Resource not accessible by integration", bodies over 65,536
characters get 422, an installation token cannot read `/user`, and every response carries
the primary rate-limit headers.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

BOT = "github-actions[bot]"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
NOT_ACCESSIBLE = "Resource not accessible by integration"


@dataclass(frozen=True)
class TokenInfo:
    label: str  # what the request log records instead of the token
    login: str
    write: bool
    reads_user: bool  # installation tokens (GITHUB_TOKEN) get 403 on GET /user
    user_type: str = "Bot"


@dataclass
class Fault:
    """One scheduled failure. Matches the `on_request`-th request (1-based) or the next match.

    A lost answer: `saved` lets the request take effect first and fails only its answer (GitHub's
    502 after a slow write); `drop` closes the connection with no answer at all (a reset), after
    `stall` seconds of silence (longer than the client's timeout: a timeout).
    """

    status: int
    retry_after: float | None = None
    remaining_zero: bool = False  # primary limit: x-ratelimit-remaining 0, reset `reset_in` ahead
    reset_in: float = 2.0
    message: str | None = None
    method: str | None = None
    path_contains: str | None = None
    on_request: int | None = None
    times: int = 1
    saved: bool = False
    drop: bool = False
    stall: float = 0.0

    def matches(self, n: int, method: str, path: str) -> bool:
        if self.times <= 0:
            return False
        if self.on_request is not None and self.on_request != n:
            return False
        if self.method and self.method != method:
            return False
        return not (self.path_contains and self.path_contains not in path)


@dataclass(frozen=True)
class LoggedRequest:
    n: int
    method: str
    path: str
    query: dict[str, str]
    status: int  # 0: no answer (the connection was dropped)
    token: str  # label: "write", "read", "pat", "none", "bad"
    body: Any
    started: float
    ended: float
    response: Any = None  # the JSON body answered (None: no body, or no answer)


@dataclass
class GitHubApiState:
    write_token: str = field(default_factory=lambda: "ghs_w" + secrets.token_hex(18))
    read_token: str = field(default_factory=lambda: "ghs_r" + secrets.token_hex(18))
    pat_token: str = field(default_factory=lambda: "ghp_" + secrets.token_hex(18))
    app_token: str = field(default_factory=lambda: "ghs_a" + secrets.token_hex(18))
    app_login: str = "acme-deployer[bot]"  # a GitHub App's installation token posts as <slug>[bot]
    pat_login: str = "deploy-bot"
    rate_limit: int = 5000
    remaining: int = 5000
    reset_at: float = field(default_factory=lambda: time.time() + 3600)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    ref_shas: dict[str, str] = field(default_factory=dict)  # what a tag or branch points at
    faults: list[Fault] = field(default_factory=list)
    log: list[LoggedRequest] = field(default_factory=list)
    in_flight_writes: int = 0
    max_concurrent_writes: int = 0
    requests_seen: int = 0
    next_id: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def tokens(self) -> dict[str, TokenInfo]:
        return {
            self.write_token: TokenInfo("write", BOT, write=True, reads_user=False),
            self.read_token: TokenInfo("read", BOT, write=False, reads_user=False),
            self.app_token: TokenInfo("app", self.app_login, write=True, reads_user=False),
            self.pat_token: TokenInfo("pat", self.pat_login, write=True, reads_user=True, user_type="User"),
        }

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def take_fault(self, n: int, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(n, method, path):
                    fault.times -= 1
                    return fault
        return None

    def add_comment(
        self, repo: str, issue: int, body: str, login: str, server: str, user_type: str = "User",
        api: str = "https://api.github.com",
    ) -> dict[str, Any]:
        cid = self.new_id()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{api}/repos/{repo}/issues/comments/{cid}",
            "body": body,
            "user": simple_user(login, user_type, api),
            "html_url": f"{server}/{repo}/pull/{issue}#issuecomment-{cid}",
            "issue_url": f"{api}/repos/{repo}/issues/{issue}",
            "author_association": "NONE" if user_type == "Bot" else "MEMBER",
            "performed_via_github_app": None,
            "created_at": now,
            "updated_at": now,
            "_repo": repo,
            "_issue": issue,
        }
        with self.lock:
            self.comments[cid] = comment
        return comment

    def add_deployment(self, repo: str, ref: str, environment: str, *, creator: str = BOT,
                       creator_type: str = "Bot", api: str = "https://api.github.com", task: str = "deploy",
                       description: str = "", payload: Any = None, transient: bool = False,
                       production: bool | None = None, sha: str | None = None) -> dict[str, Any]:
        """A deployment as GitHub stores it (also how a job's `environment:` gets one)."""
        did = self.new_id()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        url = f"{api}/repos/{repo}/deployments/{did}"
        dep = {
            "url": url, "id": did, "node_id": f"DE_{did}", "ref": ref,
            "sha": sha or (ref if len(ref) == 40 else self.ref_shas.get(ref, "0" * 40)),
            "task": task, "payload": payload if payload is not None else {},
            "original_environment": environment, "environment": environment,
            "description": description, "creator": simple_user(creator, creator_type, api),
            "created_at": stamp, "updated_at": stamp, "statuses_url": f"{url}/statuses",
            "repository_url": f"{api}/repos/{repo}", "transient_environment": transient,
            "production_environment": environment == "production" if production is None else production,
            "performed_via_github_app": None, "_repo": repo,
        }
        with self.lock:
            self.deployments[did] = dep
            self.statuses[did] = []
        return dep

    def add_status(self, dep: dict[str, Any], state: str, creator: str = BOT, creator_type: str = "Bot", *,
                   api: str = "https://api.github.com", description: str = "", environment: str = "",
                   environment_url: str = "", log_url: str = "") -> dict[str, Any]:
        """A deployment status; `statuses[id]` lists them newest first, as GitHub does."""
        sid = self.new_id()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        status = {
            "url": f"{dep['url']}/statuses/{sid}", "id": sid, "node_id": f"DES_{sid}", "state": state,
            "creator": simple_user(creator, creator_type, api), "description": description,
            "environment": environment or dep["environment"], "target_url": log_url,
            "created_at": stamp, "updated_at": stamp, "deployment_url": dep["url"],
            "repository_url": dep["repository_url"], "environment_url": environment_url,
            "log_url": log_url, "performed_via_github_app": None,
        }
        with self.lock:
            self.statuses[dep["id"]].insert(0, status)
        return status

    def issue_comments(self, repo: str, issue: int) -> list[dict[str, Any]]:
        with self.lock:
            found = [c for c in self.comments.values() if c["_repo"] == repo and c["_issue"] == issue]
        return sorted(found, key=lambda c: c["id"])


API = "https://api.github.com"


def simple_user(login: str, user_type: str = "User", api: str = API) -> dict[str, Any]:
    """GitHub's `simple-user`: every field its REST description requires, in its shapes."""
    uid = abs(hash(login)) % 10**8
    url = f"{api}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": f"U_{uid}", "type": user_type, "site_admin": False,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
        "url": url, "html_url": f"https://github.com/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "user_view_type": "public",
    }


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The JSON a client sees (internal `_` keys removed)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}
