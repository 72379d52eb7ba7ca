"""pytest fixtures for the local Kubernetes API server (owner: the API-server area, issue #3).

- `api_server_factory(**kw)` → `ApiServerHandle` (see `start_api_server`); all stopped at teardown.
- `api_server` → a fresh local cluster (2 nodes × 4 GPUs, time_scale=20) for one test.
- `local_environment_factory(**kw)` → `LocalEnvironment` (cluster + gateway [+ Prometheus]) through
  the same facade `demo` and `local-cluster` use; all stopped at teardown.
- `k8s_api_client` (session) → a `kubernetes.client.ApiClient`: for the cluster named by
  `--kubeconfig PATH` if given, otherwise for one local server started for the session.
- `k8s_namespace` → a fresh namespace on that cluster, deleted afterwards.
- `on_real_cluster` → True when `--kubeconfig` was given.

`pytest -m conformance --kubeconfig ~/.kube/config` runs tests/conformance against a real cluster.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.local.environment import LocalEnvironment, start_local_environment
from tests.support.teardown import stopped_at_teardown

TEST_TIME_SCALE = 20.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--kubeconfig",
        action="store",
        default=None,
        help="run cluster (conformance) tests against this kubeconfig instead of the local API server",
    )


@pytest.fixture
def api_server_factory() -> Iterator[Callable[..., ApiServerHandle]]:
    def start(**kw: Any) -> ApiServerHandle:
        return start_api_server(**{"time_scale": TEST_TIME_SCALE, **kw})

    with stopped_at_teardown(start, ApiServerHandle.stop) as tracked:
        yield tracked


@pytest.fixture
def local_environment_factory() -> Iterator[Callable[..., LocalEnvironment]]:
    def start(**kw: Any) -> LocalEnvironment:
        return start_local_environment(**{"time_scale": TEST_TIME_SCALE, **kw})

    with stopped_at_teardown(start, LocalEnvironment.stop) as tracked:
        yield tracked


@pytest.fixture
def api_server(api_server_factory: Callable[..., ApiServerHandle]) -> ApiServerHandle:
    return api_server_factory()


@pytest.fixture(scope="session")
def on_real_cluster(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--kubeconfig"))


@pytest.fixture(scope="session")
def _session_cluster(request: pytest.FixtureRequest) -> Iterator[ApiServerHandle | None]:
    if request.config.getoption("--kubeconfig"):
        yield None
        return
    handle = start_api_server(time_scale=TEST_TIME_SCALE, crds=("gateway-api", "istio"))
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def k8s_api_client(request: pytest.FixtureRequest, _session_cluster: ApiServerHandle | None) -> Iterator[Any]:
    if _session_cluster is not None:
        client = _session_cluster.api_client()
    else:
        from kubernetes import config

        client = config.new_client_from_config(config_file=request.config.getoption("--kubeconfig"))
    yield client
    client.close()


@pytest.fixture
def k8s_namespace(k8s_api_client: Any) -> Iterator[str]:
    from kubernetes import client as k8s

    core: Any = k8s.CoreV1Api(k8s_api_client)  # typed models are too strict for dict bodies under mypy
    name = f"conf-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            core.read_namespace(name)
        except k8s.ApiException as exc:
            if exc.status == 404:
                break
            raise
        time.sleep(0.05)
