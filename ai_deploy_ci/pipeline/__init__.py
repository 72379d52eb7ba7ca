"""Drive a Plan on a cluster (`engine`) and keep the evidence a user reads (`evidence`).

Layers (docs/design/layers.md): commands → pipeline → {cluster, gates, load, report.github}
→ {plan, routers, analysis, report} → spec.
"""

from ai_deploy_ci.pipeline.engine import (
    Endpoint,
    Gate,
    GateError,
    GateRequest,
    Options,
    Result,
    deploy,
    observe,
    promote,
    rollback,
    spec_key,
)

__all__ = [
    "Endpoint", "Gate", "GateError", "GateRequest", "Options", "Result",
    "deploy", "observe", "promote", "rollback", "spec_key",
]
