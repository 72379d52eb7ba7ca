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

from ai_deploy_ci.testing.model_server.knobs import Knobs, with_overrides
from ai_deploy_ci.testing.model_server.process import (
    ModelServerProcess,
    start_model_server_process,
    start_model_server_processes,
)
from ai_deploy_ci.testing.model_server.server import ModelServer


@pytest.fixture
def model_server_factory() -> Iterator[Callable[..., ModelServerProcess]]:
    started: list[ModelServerProcess] = []

    def start(**knobs: Any) -> ModelServerProcess:
        server = start_model_server_process(Knobs(port=0), **knobs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


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
    started: list[ModelServer] = []

    def start(**knobs: Any) -> ModelServer:
        server = ModelServer(with_overrides(Knobs(port=0), **knobs)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(timeout=2.0)


@pytest.fixture
def gateway_factory() -> Iterator[Callable[..., Any]]:
    from ai_deploy_ci.testing.gateway import Gateway

    started: list[Any] = []

    def start(api_client: Any, **kwargs: Any) -> Any:
        gateway = Gateway(api_client, **kwargs).start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
