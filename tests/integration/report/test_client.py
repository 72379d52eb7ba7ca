"""The REST client against the stand-in: rate limits, retries, one write at a time, no token leaks."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from ai_deploy_ci.report.github.client import (
    GitHubClient,
    GitHubError,
    RateLimited,
    RetryPolicy,
    UncertainWrite,
)
from tests.support.github_api import GitHubApi

ISSUE = "/repos/acme/models/issues/7/comments"
FAST = RetryPolicy(write_interval=0)


def client(api: GitHubApi, sleep: Any, token: str | None = None, **policy: Any) -> GitHubClient:
    return GitHubClient(
        api.url,
        api.write_token if token is None else token,
        sleep=sleep,
        policy=RetryPolicy(**{"write_interval": 0, **policy}),
    )


def test_secondary_limit_honours_retry_after(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.secondary_limit(retry_after=7)
    with client(github_api, no_sleep) as c:
        c.post_json(ISSUE, {"body": "hi"})
    assert no_sleep.calls == [7.0]
    assert [r.status for r in github_api.requests] == [403, 201]


def test_429_without_headers_backs_off_from_60_s(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.too_many_requests(times=2)
    with client(github_api, no_sleep) as c:
        assert c.get_json(ISSUE) == []
    assert no_sleep.calls == [60.0, 120.0]


def test_429_with_retry_after(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.too_many_requests(retry_after=3)
    with client(github_api, no_sleep) as c:
        c.get_json(ISSUE)
    assert no_sleep.calls == [3.0]


def test_primary_limit_waits_for_reset(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.primary_exhausted(reset_in=30)
    with client(github_api, no_sleep) as c:
        c.get_json(ISSUE)
    assert len(no_sleep.calls) == 1 and 25 <= no_sleep.calls[0] <= 32


def test_refuses_to_wait_longer_than_max_wait(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.secondary_limit(retry_after=3600)
    with client(github_api, no_sleep, max_wait=900) as c, pytest.raises(RateLimited):
        c.get_json(ISSUE)
    assert no_sleep.calls == []


def test_5xx_on_the_nth_request_is_retried(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.server_error(502, on_request=2)
    with client(github_api, no_sleep) as c:
        c.post_json(ISSUE, {"body": "x"})
        c.get_json(ISSUE)
    assert [r.status for r in github_api.requests] == [201, 502, 200]
    assert no_sleep.calls == [1.0]


def test_a_post_whose_answer_is_lost_is_not_sent_again_blindly(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.server_error(502, method="POST", saved=True)
    with client(github_api, no_sleep) as c, pytest.raises(UncertainWrite) as info:
        c.post_json(ISSUE, {"body": "x"})
    assert info.value.status == 502 and no_sleep.calls == []
    assert [(r.method, r.status) for r in github_api.requests] == [("POST", 502)]
    assert len(github_api.comments("acme/models", 7)) == 1  # it was saved all the same


def test_a_repeatable_post_is_retried_on_5xx(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.server_error(502, method="POST")
    with client(github_api, no_sleep) as c:
        c.post_json(ISSUE, {"body": "x"}, repeatable=True)
    assert [r.status for r in github_api.requests] == [502, 201] and no_sleep.calls == [1.0]


def test_a_post_that_never_left_is_retried(no_sleep: Any) -> None:
    c = GitHubClient("http://127.0.0.1:9", "t", sleep=no_sleep, policy=RetryPolicy(attempts=2, timeout=2))
    with pytest.raises(GitHubError) as info:
        c.post_json(ISSUE, {"body": "x"})  # connection refused: nothing reached a server
    assert not isinstance(info.value, UncertainWrite) and no_sleep.calls == [1.0]


def test_persistent_5xx_gives_up(github_api: GitHubApi, no_sleep: Any) -> None:
    github_api.server_error(503, times=10)
    with client(github_api, no_sleep, attempts=3) as c, pytest.raises(GitHubError) as info:
        c.get_json(ISSUE)
    assert info.value.status == 503 and no_sleep.calls == [1.0, 2.0]


def test_read_only_token_is_not_retried(github_api: GitHubApi, no_sleep: Any) -> None:
    with client(github_api, no_sleep, token=github_api.read_token) as c, pytest.raises(GitHubError) as info:
        c.post_json(ISSUE, {"body": "x"})
    assert info.value.status == 403 and info.value.forbidden
    assert "Resource not accessible by integration" in str(info.value)
    assert no_sleep.calls == [] and len(github_api.requests) == 1


def test_connection_errors_are_retried_then_reported(no_sleep: Any) -> None:
    c = GitHubClient(
        "http://127.0.0.1:9", "t0ken-value", sleep=no_sleep, policy=RetryPolicy(attempts=2, timeout=2)
    )
    with pytest.raises(GitHubError) as info:
        c.get_json("/user")
    assert info.value.status is None and no_sleep.calls == [1.0]
    assert "t0ken-value" not in repr(info.value) + str(info.value) + repr(c)


def test_writes_go_one_at_a_time(github_api: GitHubApi) -> None:
    clients = [GitHubClient(github_api.url, github_api.write_token, policy=FAST) for _ in range(4)]
    threads = [
        threading.Thread(target=c.post_json, args=(ISSUE, {"body": str(i)})) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(github_api.comments("acme/models", 7)) == 4
    assert github_api.state.max_concurrent_writes == 1


def test_pause_between_writes(github_api: GitHubApi, no_sleep: Any) -> None:
    now = [1000.0]
    c = GitHubClient(
        github_api.url,
        github_api.write_token,
        sleep=no_sleep,
        clock=lambda: now[0],
        policy=RetryPolicy(write_interval=1.0),
    )
    c.post_json(ISSUE, {"body": "a"})
    now[0] += 0.25
    c.post_json(ISSUE, {"body": "b"})
    assert no_sleep.calls == [pytest.approx(0.75)]


def test_every_response_has_rate_limit_headers(github_api: GitHubApi) -> None:
    with GitHubClient(github_api.url, github_api.write_token, policy=FAST) as c:
        first = c.request("GET", ISSUE)
        second = c.request("GET", ISSUE)
    for r in (first, second):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used"} <= set(
            k.lower() for k in r.headers
        )
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1


def test_real_sleep_is_short_with_small_retry_after(github_api: GitHubApi) -> None:
    github_api.secondary_limit(retry_after=0.2)
    started = time.monotonic()
    with GitHubClient(github_api.url, github_api.write_token, policy=FAST) as c:
        c.get_json(ISSUE)
    assert 0.2 <= time.monotonic() - started < 3
