"""A small valid deploy.yaml the table tests mutate line by line (line numbers matter)."""

from __future__ import annotations

CANARY_BLOCK = """\
  type: canary
  canary:
    steps:
      - setWeight: 10
      - pause: {duration: 30s}
      - setWeight: 50
      - analysis: {duration: 2m}
"""

BASE = f"""\
apiVersion: ai-deploy-ci/v1
kind: ModelDeployment
metadata:
  name: sentiment
  namespace: ml
server:
  image: ghcr.io/acme/sentiment:1.0
  version: "1.0"
  port: 8080
  replicas: 3
  resources:
    gpus: 1
  probes:
    readiness: {{path: /readyz}}
  preStopSleepSeconds: 5
strategy:
{CANARY_BLOCK}trafficRouter:
  type: gatewayAPI
  hosts: [sentiment.example.com]
load:
  users: 10
  duration: 2m
analysis:
  metrics:
    - {{name: p95, type: latency, quantile: 0.95, maxIncrease: 0.1}}
    - {{name: errors, type: errorRate, slo: {{max: 0.01}}}}
"""  # lines 17-23 are CANARY_BLOCK

def edit(*pairs: tuple[str, str], base: str = BASE) -> str:
    """BASE with each `old` replaced by `new` exactly once (a typo in a test fails loudly)."""
    text = base
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def strategy(block: str) -> str:
    """BASE with the strategy body (lines 17–23) replaced; `block` keeps the 2-space indent."""
    return edit((CANARY_BLOCK, block))
