"""pytest fixtures for the sample model server and the traffic gateway.

- `model_server_factory(**knobs)` → `ModelServerProcess` (child process on a free 127.0.0.1
  port, `.url`, `.stop()`); every server started is stopped at teardown.
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
from ai_deploy_ci.testing.model_server.process import ModelServerProcess, start_model_server_process
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
