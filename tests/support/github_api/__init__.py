"""A GitHub REST API stand-in: a real HTTP server on 127.0.0.1 for the report's tests and demo.

    api = start_github_api()
    env = api.env(pr=7)                 # GITHUB_* variables + an event file pointing at it
    api.secondary_limit(retry_after=1)  # the next request gets 403 + retry-after
    api.server_error(502, method="POST", saved=True)  # the next POST is done, then answered 502
    api.connection_reset(method="POST", saved=True)   # … done, then the connection is reset
    ...
    api.comments("acme/models", 7); api.requests  # state and the request log
    api.stop()

Tokens: `write_token` (like GITHUB_TOKEN: login github-actions[bot], cannot read /user),
`read_token` (a fork PR's token: 403 "Resource not accessible by integration" on writes),
`pat_token` (a user token: /user answers with `pat_login`), `app_token` (a GitHub App's
installation token: posts as `app_login`, `acme-deployer[bot]`, and gets 403 on /user).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ai_deploy_ci.local.httpserver import LocalHTTPServer, require_loopback
from tests.support.github_api.handler import WRITES, Handler
from tests.support.github_api.state import BOT, Fault, GitHubApiState, LoggedRequest, TokenInfo

__all__ = ["BOT", "Fault", "GitHubApi", "GitHubApiState", "LoggedRequest", "TokenInfo", "start_github_api"]


class GitHubApi:
    """Handle on a running stand-in: URL, tokens, knobs, state, request log, `stop()`."""

    def __init__(self, server: LocalHTTPServer, state: GitHubApiState) -> None:
        self._server, self.state = server, state
        self.url = server.url
        self._tmp = tempfile.TemporaryDirectory(prefix="gh-api-")

    write_token = property(lambda self: self.state.write_token)
    read_token = property(lambda self: self.state.read_token)
    pat_token = property(lambda self: self.state.pat_token)
    app_token = property(lambda self: self.state.app_token)

    # knobs -------------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self.state.lock:
            self.state.faults.append(fault)
        return fault

    def secondary_limit(
        self, retry_after: float | None = 1, *, times: int = 1, method: str | None = None
    ) -> Fault:
        """403 "secondary rate limit", with `retry-after` unless None."""
        return self.inject(Fault(403, retry_after=retry_after, times=times, method=method))

    def too_many_requests(self, retry_after: float | None = None, *, times: int = 1) -> Fault:
        return self.inject(Fault(429, retry_after=retry_after, times=times))

    def primary_exhausted(self, reset_in: float = 2.0, *, times: int = 1) -> Fault:
        """403 with x-ratelimit-remaining 0 and a reset `reset_in` seconds ahead."""
        return self.inject(Fault(403, remaining_zero=True, reset_in=reset_in, times=times))

    def server_error(
        self,
        status: int = 502,
        *,
        on_request: int | None = None,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        saved: bool = False,
    ) -> Fault:
        """`status` on the `on_request`-th request from now (1 = the next), or on the next ones
        (of `method`, on a path containing `path_contains`). `saved`: the request is carried out
        first and only its answer is the error, like GitHub's 502 after a slow write."""
        target = None if on_request is None else self.state.requests_seen + on_request
        return self.inject(
            Fault(
                status,
                on_request=target,
                times=times,
                method=method,
                path_contains=path_contains,
                saved=saved,
            )
        )

    def connection_reset(
        self,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        saved: bool = False,
        after: float = 0.0,
        times: int = 1,
    ) -> Fault:
        """No answer: the connection is reset, `after` seconds of silence (more than the client's
        timeout makes it a timeout). `saved`: the request was carried out first."""
        return self.inject(
            Fault(
                0,
                method=method,
                path_contains=path_contains,
                saved=saved,
                drop=True,
                stall=after,
                times=times,
            )
        )

    # state -------------------------------------------------------------------------------
    def add_comment(
        self, repo: str, issue: int, body: str, login: str = "octocat", user_type: str = "User"
    ) -> int:
        return int(self.state.add_comment(repo, issue, body, login, "https://github.com", user_type)["id"])

    def comments(self, repo: str, issue: int) -> list[dict[str, Any]]:
        return self.state.issue_comments(repo, issue)

    @property
    def requests(self) -> list[LoggedRequest]:
        with self.state.lock:
            return list(self.state.log)

    def writes(self) -> list[LoggedRequest]:
        return [r for r in self.requests if r.method in WRITES]

    def reset_log(self) -> None:
        with self.state.lock:
            self.state.log.clear()

    def env(
        self,
        *,
        pr: int | None = 7,
        repo: str = "acme/models",
        token: str | None = None,
        event: str | None = None,
        payload: dict[str, Any] | None = None,
        ref: str | None = None,
        fork: bool = False,
        workdir: Path | None = None,
    ) -> dict[str, str]:
        """A GitHub Actions environment whose API is this server (files under `workdir`)."""
        base = workdir or Path(self._tmp.name)
        base.mkdir(parents=True, exist_ok=True)
        name = event or ("pull_request" if pr else "push")
        if payload is None:
            payload = {"repository": {"full_name": repo}}
            if name == "pull_request" and pr:
                head_repo = {"full_name": "someone/models" if fork else repo, "fork": fork}
                payload["pull_request"] = {"number": pr, "head": {"sha": "a" * 40, "repo": head_repo}}
                payload["number"] = pr
        event_path = base / f"event-{name}.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        default_ref = f"refs/pull/{pr}/merge" if name == "pull_request" and pr else "refs/heads/main"
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": repo,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": self.url,
            "GITHUB_RUN_ID": "987654321",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_SHA": "b" * 40,
            "GITHUB_REF": ref or default_ref,
            "GITHUB_STEP_SUMMARY": str(base / "step_summary.md"),
            "GITHUB_OUTPUT": str(base / "output.txt"),
            "GITHUB_TOKEN": token if token is not None else self.write_token,
        }

    def violations(self) -> list[str]:
        """Every way the logged requests and answers disagree with GitHub's REST description."""
        from tests.support.github_api.openapi import contract

        found: list[str] = []
        for request in self.requests:
            found += [f"request {request.n}: {p}" for p in contract().check(request)]
        return found

    def assert_contract(self) -> None:
        problems = self.violations()
        assert not problems, "GitHub's REST description disagrees:\n" + "\n".join(problems[:20])

    def stop(self) -> None:
        self._server.close(timeout=5)
        self._tmp.cleanup()

    def __enter__(self) -> GitHubApi:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.assert_contract()
        finally:
            self.stop()


def start_github_api(
    host: str = "127.0.0.1", port: int = 0, state: GitHubApiState | None = None
) -> GitHubApi:
    """Start the stand-in on a free loopback port in a daemon thread."""
    require_loopback(host, "the GitHub stand-in binds to loopback only")
    st = state or GitHubApiState()
    handler = type("BoundHandler", (Handler,), {"state": st})
    return GitHubApi(LocalHTTPServer((host, port), handler, name="github-api-stand-in").start(), st)
