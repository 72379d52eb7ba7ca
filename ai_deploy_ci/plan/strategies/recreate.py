"""Recreate: all old pods stop before new ones start (the Deployment's `Recreate` strategy).

For servers that cannot run two versions side by side (one GPU, exclusive model storage).
Same steps as rolling; the difference is in the Deployment's `strategy.type`.
"""

from __future__ import annotations

from ai_deploy_ci.plan.model import Plan
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.plan.strategies import rolling
from ai_deploy_ci.spec.model import Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    return rolling.plan(spec, state)
