"""The local traffic gateway: makes Service selectors, HTTPRoutes, VirtualServices and NGINX
canary Ingresses of the local cluster route real HTTP traffic (see `gateway.py`).

Routing decisions are pure (`table.RouteTable`, built from API JSON dicts); the I/O is the
watcher (official `kubernetes` client) and the listeners.
"""

from ai_deploy_ci.local.gateway.gateway import Gateway
from ai_deploy_ci.local.gateway.objects import Decision, Request, Target
from ai_deploy_ci.local.gateway.table import RouteTable, Snapshot

__all__ = ["Decision", "Gateway", "Request", "RouteTable", "Snapshot", "Target"]
