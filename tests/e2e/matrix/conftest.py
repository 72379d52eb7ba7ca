"""One local environment (API server with real sample-model-server pods + the traffic gateway)
per test module, one namespace per case. The clock is scaled so pauses and probes shrink."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_deploy_ci.local.environment import LocalEnvironment, start_local_environment

TIME_SCALE = 20.0
CRDS = Path(__file__).resolve().parents[2] / "data" / "crds"
_ns = itertools.count()


@pytest.fixture(scope="module")
def env() -> Iterator[LocalEnvironment]:
    environment = start_local_environment(
        nodes=2,
        gpus_per_node=0,
        time_scale=TIME_SCALE,
        crds=[CRDS / "gateway-api-httproute-v1.6.1-standard.yaml", CRDS / "istio-networking-1.30.3.yaml"],
    )
    try:
        yield environment
    finally:
        environment.stop()


@pytest.fixture
def namespace() -> str:
    return f"mx-{next(_ns)}"
