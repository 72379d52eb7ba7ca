"""pytest fixtures for the report: the GitHub API stand-in and Actions environments.

`github_api` is a fresh server per test (cheap: one thread on 127.0.0.1), stopped on teardown
even when the test fails; a test that passed also has every exchange it caused checked
against GitHub's REST description (`github_api/openapi.py`), requests and answers.
`actions_env` builds a pull_request environment pointing at it, with its summary/output files
in the test's tmp_path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.github_api import GitHubApi, start_github_api


@pytest.fixture
def github_api() -> Iterator[GitHubApi]:
    api = start_github_api()
    try:
        yield api
        api.assert_contract()
    finally:
        api.stop()


@pytest.fixture
def actions_env(github_api: GitHubApi, tmp_path: Path) -> Callable[..., dict[str, str]]:
    """`actions_env(pr=7, token=…, event=…, ref=…, fork=…)` → an env dict for `publish`."""

    def make(**kwargs: Any) -> dict[str, str]:
        return github_api.env(workdir=tmp_path / "gh", **kwargs)

    return make


@pytest.fixture
def no_sleep() -> Callable[[float], None]:
    """A sleep that records instead of waiting: `no_sleep.calls` lists the requested seconds."""
    calls: list[float] = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)

    sleep.calls = calls  # type: ignore[attr-defined]
    return sleep
