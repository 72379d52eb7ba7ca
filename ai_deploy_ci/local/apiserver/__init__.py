"""A strict, local Kubernetes API server for tests and the demo (see docs/local-cluster.md).

`start_api_server(...)` returns an `ApiServerHandle`; the official `kubernetes` client and `kubectl`
talk to it over real HTTP through the kubeconfig it writes. Names are imported lazily so that light
modules of this package (the pod stand-in) start without loading the whole server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .faults import Faults, WriteRequest
    from .handle import ApiServerHandle, start_api_server

__all__ = ["ApiServerHandle", "Faults", "WriteRequest", "start_api_server"]


def __getattr__(name: str) -> Any:
    if name in ("ApiServerHandle", "start_api_server"):
        from . import handle

        return getattr(handle, name)
    if name in ("Faults", "WriteRequest"):
        from . import faults

        return getattr(faults, name)
    raise AttributeError(name)
