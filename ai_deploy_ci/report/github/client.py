"""A small GitHub REST client that waits the way GitHub asks and never reveals its token.

Waiting rules (GitHub's "Rate limits for the REST API"): on 403/429 honour `retry-after`;
if `x-ratelimit-remaining` is 0 wait until `x-ratelimit-reset`; otherwise, for a secondary
limit, back off from 60 s, doubling (GitHub refuses a limited request before doing it, so
this holds for every method). 5xx and connection errors are retried with a short exponential
backoff, but only for requests that are safe to repeat: GET, HEAD, PUT, PATCH and DELETE. A
POST creates something, and a 5xx, a timeout or a reset after it was sent does not tell
whether it did (GitHub answers 502 when it saved the comment but answered late), so it raises
`UncertainWrite` instead of being sent again; `create` looks for what the POST would have
made (`find`) and sends it again only when it is not there. A POST that never left (the
connection could not be opened) is retried like any request. Writes go one at a time (a
process-wide lock and a pause between them), as GitHub recommends for content-creating
requests. `sleep` and `clock` are parameters so tests run the real logic without real waiting.

The token lives in a `Secret` whose repr is `***` and is attached by an auth hook, so it is
absent from this object's repr, from exceptions and from log lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

WRITE_LOCK = threading.Lock()
USER_AGENT = "ai-deploy-ci-report"


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


class GitHubError(Exception):
    """A request that failed for good; the message names the method and path, never a header."""

    def __init__(self, status: int | None, method: str, path: str, message: str) -> None:
        super().__init__(f"GitHub API {method} {path}: {status or 'no response'}: {message}")
        self.status = status
        self.method = method
        self.path = path
        self.message = message

    @property
    def forbidden(self) -> bool:
        """A permission problem (read-only token, missing scope), not a rate limit."""
        return self.status in (401, 403, 404) and not isinstance(self, RateLimited)


class RateLimited(GitHubError):
    """Still limited after the allowed waits, or asked to wait longer than `max_wait`."""


class UncertainWrite(GitHubError):
    """A request not safe to repeat (POST) whose answer was lost after it was sent: a 5xx, a
    timeout or a dropped connection. It may or may not have taken effect."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # per request, all causes together
    server_backoff: float = 1.0  # 5xx / connection errors: 1, 2, 4, 8 s
    secondary_backoff: float = 60.0  # secondary limit without headers: 60, 120, 240 s
    max_wait: float = 900.0  # refuse to sleep longer than this for one retry
    write_interval: float = 1.0  # pause between writes
    timeout: float = 30.0


class _BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: Secret) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class GitHubClient:
    def __init__(
        self,
        api_url: str,
        token: str | Secret | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        policy: RetryPolicy | None = None,
        log: Callable[[str], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token if isinstance(token, Secret) else Secret(token or "")
        self.sleep, self.clock = sleep, clock
        self.policy = policy or RetryPolicy()
        self.log = log or (lambda line: None)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": USER_AGENT,
            }
        )
        if self._token:
            self.session.auth = _BearerAuth(self._token)
        self._last_write = 0.0

    def __repr__(self) -> str:
        return f"GitHubClient({self.api_url!r}, token=***)"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        repeatable: bool | None = None,
    ) -> requests.Response:
        """One logical request with retries; raises GitHubError unless the answer is 2xx/304.

        `repeatable` (default: every method but POST) says whether sending it twice is harmless;
        when it is not, a lost answer raises `UncertainWrite` instead of a blind retry.
        """
        method = method.upper()
        again = method != "POST" if repeatable is None else repeatable
        if method in ("GET", "HEAD"):
            return self._send(method, path, params, json, again)
        with WRITE_LOCK:
            pause = self._last_write + self.policy.write_interval - self.clock()
            if self._last_write and pause > 0:
                self.sleep(pause)
            try:
                return self._send(method, path, params, json, again)
            finally:
                self._last_write = self.clock()

    def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, json: Any, repeatable: bool
    ) -> requests.Response:
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}/{path.lstrip('/')}"
        shown = (
            "/" + url[len(self.api_url) :].lstrip("/").split("?")[0] if url.startswith(self.api_url) else path
        )
        secondary_waits = 0
        for attempt in range(self.policy.attempts):
            last = attempt == self.policy.attempts - 1
            try:
                response = self.session.request(
                    method, url, params=params, json=json, timeout=self.policy.timeout
                )
            except requests.RequestException as exc:
                if not repeatable and not _never_sent(exc):
                    raise UncertainWrite(None, method, shown, type(exc).__name__) from None
                if last:
                    raise GitHubError(None, method, shown, type(exc).__name__) from None
                self._wait(
                    self.policy.server_backoff * 2**attempt, f"{type(exc).__name__} on {method} {shown}"
                )
                continue
            if response.status_code < 400:
                return response
            message = _message(response)
            if response.status_code >= 500 and not repeatable:
                raise UncertainWrite(response.status_code, method, shown, message)
            if response.status_code >= 500 and not last:
                self._wait(
                    self.policy.server_backoff * 2**attempt, f"{response.status_code} on {method} {shown}"
                )
                continue
            if response.status_code in (403, 429):
                wait, why = self._rate_limit_wait(response, message, secondary_waits)
                if wait is not None:
                    if last or wait > self.policy.max_wait:
                        raise RateLimited(
                            response.status_code, method, shown, f"{message} (needs {wait:.0f} s)"
                        )
                    secondary_waits += why == "backoff"
                    self._wait(wait, f"{response.status_code} rate limit on {method} {shown} ({why})")
                    continue
            raise GitHubError(response.status_code, method, shown, message)
        raise AssertionError("unreachable")  # pragma: no cover

    def _rate_limit_wait(
        self, response: requests.Response, message: str, backoffs: int
    ) -> tuple[float | None, str]:
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after)), "retry-after"
            except ValueError:
                pass
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(
                    0.0, float(headers.get("x-ratelimit-reset", "0")) - self.clock()
                ) + 1.0, "x-ratelimit-reset"
            except ValueError:
                pass
        if response.status_code == 429 or "rate limit" in message.lower():
            return self.policy.secondary_backoff * 2**backoffs, "backoff"
        return None, ""

    def _wait(self, seconds: float, why: str) -> None:
        self.log(f"GitHub API: {why}; retrying in {seconds:.3g} s")
        self.sleep(seconds)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post_json(self, path: str, body: Any, *, repeatable: bool = False) -> Any:
        """POST once; `repeatable=True` where a duplicate is harmless (then retried like a GET)."""
        return self.request("POST", path, json=body, repeatable=repeatable).json()

    def create(self, path: str, body: Any, *, find: Callable[[], Any]) -> Any:
        """POST `body`, never sent again while it may have landed. When the answer is lost
        (`UncertainWrite`), wait the server backoff, then ask `find()` (reads only) for what the
        POST would have made: return that when it is there, else send the POST again; at most
        `policy.attempts` POSTs. (A write GitHub shows only after the lookup can still double.)"""
        for attempt in range(self.policy.attempts):
            try:
                return self.post_json(path, body)
            except UncertainWrite as exc:
                self._wait(
                    self.policy.server_backoff * 2**attempt,
                    f"{exc.status or exc.message} on POST {exc.path}, which may have been saved; "
                    "looking for it before sending it again",
                )
                found = find()
                if found is not None:
                    self.log(f"GitHub API: POST {exc.path} had been saved; not sending it again")
                    return found
                if attempt == self.policy.attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def patch_json(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body).json()

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_pages: int = 100
    ) -> Iterator[Any]:
        """Items of every page, following `Link: <…>; rel="next"` (which carries the query)."""
        url: str | None = path
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(max_pages):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            items = response.json()
            yield from items if isinstance(items, list) else []
            url, query = response.links.get("next", {}).get("url"), None


def _never_sent(exc: requests.RequestException) -> bool:
    """The connection could not even be opened, so the server cannot have acted on the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "error"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])[:300]
    return response.reason or "error"
