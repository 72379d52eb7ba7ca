"""The real analysis gate: load baseline and candidate side by side, judge.

The engine only knows `Gate = Callable[[GateRequest], Verdict]`; this module plugs in Locust
(in its own process, via `load.runner`) and the sequential judge, writing each gate's files to
`results/gates/<n>/` so the report can show every gate and a crashed run leaves evidence.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ai_deploy_ci.artifacts import SAMPLES_FILE, VERDICT_FILE
from ai_deploy_ci.gates import Endpoint, GateRequest
from ai_deploy_ci.verdict import Verdict


def reachable_url(endpoint: Endpoint) -> str:
    """The URL a load generator outside the cluster can use.

    An explicit target URL wins; a loopback ClusterIP (the local environment allocates them
    from 127.20.0.0/16) is reachable from here; otherwise the in-cluster DNS name, which works
    when the runner runs inside the cluster (e.g. Actions Runner Controller).
    """
    if endpoint.service is None:
        return endpoint.url
    if endpoint.cluster_ip and ipaddress.ip_address(endpoint.cluster_ip).is_loopback and endpoint.ip_url:
        return endpoint.ip_url
    return endpoint.url


@dataclass
class LoadAndJudge:
    """A gate: `run_load_test` into the gate's directory, then `judge` on the raw samples."""

    base_dir: Path  # the deploy.yaml's directory (payload files are relative to it)
    baseline_url: str | None = None  # overrides (action inputs), e.g. an ingress or a proxy URL
    candidate_url: str | None = None
    load_duration: float | None = None  # overrides every gate's duration (demos, tests)
    on_event: Callable[[str], None] = print

    def __call__(self, request: GateRequest) -> Verdict:
        from ai_deploy_ci.analysis.judge import judge
        from ai_deploy_ci.load.runner import run_load_test
        from ai_deploy_ci.load.samples_io import read_samples

        out = request.results_dir.resolve()  # the load runner needs an absolute directory
        out.mkdir(parents=True, exist_ok=True)
        candidate = self.candidate_url or reachable_url(request.candidate)
        baseline = self.baseline_url or (reachable_url(request.baseline) if request.baseline else None)
        if baseline is None:
            # Rolling/recreate: nothing old runs beside the new; judge the candidate on its SLOs.
            self.on_event(f"gate {request.number}: no baseline beside the candidate; judging against SLOs")
            baseline = candidate
        duration = self.load_duration or request.duration
        self.on_event(f"gate {request.number}: load {baseline} vs {candidate} "
                      f"({duration or 'load.duration'} s, candidate weight {request.weight} %)")
        summary = run_load_test(request.spec, out, baseline_url=baseline, candidate_url=candidate,
                                duration=duration, base_dir=self.base_dir)
        samples = read_samples(out / SAMPLES_FILE)
        verdict = judge(request.spec.analysis, samples, saturated=bool(summary.get("saturated")),
                        context=request.context,
                        agreement_tolerance=request.spec.load.agreement.tolerance)
        if request.spec.analysis.capacity is not None and verdict["verdict"] != "FAIL":
            from ai_deploy_ci.load.capacity_sweep import gate_capacity  # the sweep of analysis.capacity

            verdict = gate_capacity(request.spec, out, baseline, candidate, verdict, self.base_dir,
                                    self.on_event)
        (out / VERDICT_FILE).write_text(json.dumps(verdict, indent=2), encoding="utf-8")
        counts = {k: t.get("count", 0) for k, t in summary.get("targets", {}).items()}
        self.on_event(f"gate {request.number}: {verdict['verdict']}: {verdict['reason']} (requests {counts})")
        return Verdict[verdict["verdict"]]
