"""A strict, local Kubernetes API server for tests and the demo (see docs/local-cluster.md).

`start_api_server(...)` returns an `ApiServerHandle`; the official `kubernetes` client and `kubectl`
talk to it over real HTTP through the kubeconfig it writes.
"""

from __future__ import annotations

from .faults import Faults, WriteRequest
from .handle import ApiServerHandle, start_api_server

__all__ = ["ApiServerHandle", "Faults", "WriteRequest", "start_api_server"]
