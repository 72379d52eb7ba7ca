"""pytest fixtures for the sample model server and the traffic gateway.

- `model_server_factory(**knobs)` → `ModelServerProcess` (child process on a free 127.0.0.1
  port, `.url`, `.stop()`); every server started is stopped at teardown.
- `model_servers_factory(n, **knobs)` → n such servers started at once (a list).
- `model_server` → one default server (v1) as a child process.
- `inprocess_model_server_factory(**knobs)` → `ModelServer` in a thread: starts in ~20 ms,
  for tests that do not load-test it.
- `gateway_factory(api_client, **kw)` → a started `Gateway`; stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ai_deploy_ci.local.model_server.knobs import Knobs, with_overrides
from ai_deploy_ci.local.model_server.process import (
    ModelServerProcess,
    start_model_server_process,
    start_model_server_processes,
)
from ai_deploy_ci.local.model_server.server import ModelServer
from tests.support.teardown import stopped_at_teardown


@pytest.fixture
def model_server_factory() -> Iterator[Callable[..., ModelServerProcess]]:
    def start(**knobs: Any) -> ModelServerProcess:
        return start_model_server_process(Knobs(port=0), **knobs)

    with stopped_at_teardown(start, ModelServerProcess.stop) as tracked:
        yield tracked


@pytest.fixture
def model_servers_factory() -> Iterator[Callable[..., list[ModelServerProcess]]]:
    started: list[ModelServerProcess] = []

    def start(count: int, **knobs: Any) -> list[ModelServerProcess]:
        servers = start_model_server_processes(count, Knobs(port=0), **knobs)
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.terminate()  # all drain in parallel, then each is reaped
    for server in started:
        server.stop()


@pytest.fixture
def model_server(model_server_factory: Callable[..., ModelServerProcess]) -> ModelServerProcess:
    return model_server_factory()


@pytest.fixture
def inprocess_model_server_factory() -> Iterator[Callable[..., ModelServer]]:
    def start(**knobs: Any) -> ModelServer:
        return ModelServer(with_overrides(Knobs(port=0), **knobs)).start()

    with stopped_at_teardown(start, lambda server: server.stop(timeout=2.0)) as tracked:
        yield tracked


@pytest.fixture
def gateway_factory() -> Iterator[Callable[..., Any]]:
    from ai_deploy_ci.local.gateway import Gateway

    def start(api_client: Any, **kwargs: Any) -> Any:
        return Gateway(api_client, **kwargs).start()

    with stopped_at_teardown(start, Gateway.stop) as tracked:
        yield tracked
