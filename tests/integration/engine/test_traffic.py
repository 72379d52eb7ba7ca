"""Real requests through the local gateway while a canary runs: the router objects the engine
writes split live traffic as intended (Gateway API, Istio subsets, NGINX canary annotations),
and after promotion every request lands on the new version."""

from __future__ import annotations

import json
import math
import urllib.request
from collections import Counter
from dataclasses import replace

import pytest

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import CanaryStep, CanaryStrategy
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.scenarios import baseline


def _versions(url: str, host: str, n: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(n):
        req = urllib.request.Request(
            url + "/predict",
            data=json.dumps({"text": "great"}).encode(),
            headers={"Host": host, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            seen[resp.headers.get("x-model-version", "?")] += 1
    return seen


@pytest.mark.e2e
@pytest.mark.parametrize("router", ["gatewayAPI", "istio", "nginx"])
def test_live_traffic_follows_the_weights(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options, router: str
) -> None:
    from ai_deploy_ci.local.gateway import Gateway

    image = "ai-deploy-ci/sample-model-server:1"
    spec, _ = baseline(
        kube,
        namespace,
        options,
        "canary",
        router,
        image=image,
        env={"MODEL_VERSION": "1.0.0"},
        hosts=(f"{namespace}.example.com",),
    )
    host = f"{namespace}.example.com"  # one cluster-wide gateway: hostnames must not collide across tests
    spec = replace(
        spec,
        server=replace(spec.server, env={"MODEL_VERSION": "2.0.0"}),
        traffic_router=replace(spec.traffic_router, hosts=(host,)),
    )
    steps = (CanaryStep(set_weight=50), CanaryStep(analysis=None))
    spec = replace(spec, strategy=replace(spec.strategy, canary=CanaryStrategy(steps=steps)))
    gateway = Gateway(engine_cluster.api_client(), seed=1).start()
    shares: list[Counter[str]] = []

    def measure(request: GateRequest) -> Verdict:
        gateway.wait_until(lambda _t: True, timeout=0.5)
        shares.append(_versions(gateway.public_url, host, 60))
        return Verdict.PASS

    try:
        deploy(spec, kube, RunInfo("traffic"), measure, options)
        import time

        time.sleep(0.5)  # the gateway watches the API server; let it see the final route
        after = _versions(gateway.public_url, host, 20)
    finally:
        gateway.stop()
    [during] = shares
    assert set(during) == {"1.0.0", "2.0.0"}, during
    assert math.isclose(during["2.0.0"] / 60, 0.5, abs_tol=0.2), during
    assert set(after) == {"2.0.0"}, after
