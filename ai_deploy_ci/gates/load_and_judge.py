"""The real analysis gate: load baseline and candidate side by side, judge after every block.

The engine only knows `Gate = Callable[[GateRequest], Verdict]`; this module plugs in Locust
(in its own process, via `load.runner`) and the sequential judge. While the load runs, the
judge looks after every complete block at the samples flushed so far (`runner.samples_so_far`)
and stops the load the moment it decides: a FAIL at once (a bad candidate keeps its share of
users no longer than it takes to prove it), a PASS once every metric has decided and the
minimum has run. Undecided at the step's duration, `onInconclusive: extend` loads on up to
`analysis.maxDuration`. One test per metric runs for the whole rollout (`analysis.rollout`),
so α is spent once per rollout, not per gate. Each gate's files go to `results/gates/<n>/`
(verdict.json records the time to decision and what the gate could detect).
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ai_deploy_ci.artifacts import SAMPLES_FILE, VERDICT_FILE, VerdictFile
from ai_deploy_ci.gates import Endpoint, GateRequest
from ai_deploy_ci.verdict import Verdict

if TYPE_CHECKING:
    from ai_deploy_ci.analysis.rollout import RolloutTests
    from ai_deploy_ci.load.config import RunConfig
    from ai_deploy_ci.samples import Samples
    from ai_deploy_ci.spec.model import AnalysisSpec

FLUSH_SLACK = 6.0  # seconds after a block ends before its rows are on disk (plugin flushes every 5 s)


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


def gate_duration(analysis: AnalysisSpec, step_duration: float | None, load_duration: float) -> float:
    """Seconds of measured load a gate may use: the step's (else `load.duration`), and up to
    `maxDuration` when `onInconclusive` is extend (the gate stops as soon as it decides)."""
    planned = step_duration or load_duration
    if analysis.on_inconclusive == "extend":
        return max(planned, analysis.max_duration)
    return planned


@dataclass
class LiveJudge:
    """The monitor `run_load_test` asks every second: judge each block once its rows are flushed."""

    analysis: AnalysisSpec
    tests: RolloutTests
    limit: float  # seconds of measured load this gate may use
    context: dict[str, str]
    tolerance: float
    on_event: Callable[[str], None]
    looked: int = 0  # blocks judged so far
    decided: Verdict | None = None
    decided_at: float | None = None
    wall: float | None = None  # monotonic seconds at the decision (time to act)

    def __call__(self, config: RunConfig) -> bool:
        from ai_deploy_ci.analysis.judge import SequentialJudge
        from ai_deploy_ci.load.runner import measured_so_far, samples_so_far

        if self.decided is not None:
            return True
        block = self.analysis.block_length
        clock = measured_so_far(config)  # every second: cheap; the rows only once a block is due
        if clock is None or clock < (self.looked + 1) * block + FLUSH_SLACK:
            return False
        samples, elapsed = samples_so_far(config)
        if elapsed is None:
            return False
        complete = min(int((elapsed - FLUSH_SLACK) // block), int(self.limit // block + 1e-9))
        self.looked = complete
        sj = SequentialJudge(self.analysis, context=self.context, agreement_tolerance=self.tolerance,
                             carried=self.tests, max_duration=self.limit)
        verdict, stop = sj.update(samples, elapsed=complete * block)
        at_max = complete * block >= self.limit - 1e-9
        if stop and not at_max:
            self.decided, self.decided_at, self.wall = verdict, complete * block, time.monotonic()
            self.on_event(f"decided {verdict} after {complete} blocks ({complete * block:g} s); "
                          "stopping the load")
            return True
        return False


@dataclass
class LoadAndJudge:
    """A gate: `run_load_test` into the gate's directory while `LiveJudge` looks after every block."""

    base_dir: Path  # the deploy.yaml's directory (payload files are relative to it)
    baseline_url: str | None = None  # overrides (action inputs), e.g. an ingress or a proxy URL
    candidate_url: str | None = None
    load_duration: float | None = None  # overrides every gate's duration (demos, tests)
    on_event: Callable[[str], None] = print
    tests: RolloutTests | None = field(default=None, repr=False)

    def __call__(self, request: GateRequest) -> Verdict:
        from ai_deploy_ci.analysis.rollout import RolloutTests
        from ai_deploy_ci.load import delivery
        from ai_deploy_ci.load.runner import run_load_test
        from ai_deploy_ci.load.samples_io import read_samples

        out = request.results_dir.resolve()  # the load runner needs an absolute directory
        out.mkdir(parents=True, exist_ok=True)
        root = out.parent.parent  # results/: the rollout's record lives beside gates/
        if request.number == 1 or self.tests is None:  # a new rollout, or a resumed one
            self.tests = RolloutTests() if request.number == 1 else RolloutTests.load(root)
        candidate = self.candidate_url or reachable_url(request.candidate)
        baseline = self.baseline_url or (reachable_url(request.baseline) if request.baseline else None)
        if baseline is None:
            # Rolling/recreate: nothing old runs beside the new; judge the candidate on its SLOs.
            self.on_event(f"gate {request.number}: no baseline beside the candidate; judging against SLOs")
            baseline = candidate
        spec = request.spec
        limit = gate_duration(spec.analysis, self.load_duration or request.duration, spec.load.duration)
        self.on_event(f"gate {request.number}: load {baseline} vs {candidate} (up to {limit:g} s, judged "
                      f"every {spec.analysis.block_length:g} s; candidate weight {request.weight} %)")
        live = LiveJudge(spec.analysis, self.tests, limit, request.context, spec.load.agreement.tolerance,
                         lambda m: self.on_event(f"gate {request.number}: {m}"))
        started = time.monotonic()
        summary = run_load_test(spec, out, baseline_url=baseline, candidate_url=candidate,
                                duration=limit, base_dir=self.base_dir, monitor=live)
        verdict = self._final(request, read_samples(out / SAMPLES_FILE), bool(summary.get("saturated")),
                              live, limit)
        verdict = delivery.apply(verdict, summary)  # samples lost on the way (a worker died): not a PASS
        if spec.analysis.capacity is not None and verdict["verdict"] != "FAIL":
            from ai_deploy_ci.load.capacity_sweep import gate_capacity  # the sweep of analysis.capacity

            verdict = gate_capacity(spec, out, baseline, candidate, verdict, self.base_dir, self.on_event)
        verdict["load_stopped_early"] = live.decided is not None
        verdict["time_to_decision_s"] = (
            round(live.wall - started, 1) if live.wall is not None else verdict.get("decided_at_s")
        )
        self.tests.commit()
        self.tests.save(root)
        (out / VERDICT_FILE).write_text(json.dumps(verdict, indent=2), encoding="utf-8")
        counts = {k: t.get("count", 0) for k, t in summary.get("targets", {}).items()}
        self.on_event(f"gate {request.number}: {verdict['verdict']}: {verdict['reason']} (requests {counts})")
        return Verdict[verdict["verdict"]]

    def _final(self, request: GateRequest, samples: dict[str, Samples], saturated: bool, live: LiveJudge,
               limit: float) -> VerdictFile:
        """The verdict on the merged samples, cut where the live judge decided (the same blocks;
        the merged file also holds requests that completed after their block was first judged)."""
        from ai_deploy_ci.analysis.judge import SequentialJudge
        from ai_deploy_ci.analysis.sensitivity import report

        assert self.tests is not None
        analysis = request.spec.analysis
        sj = SequentialJudge(analysis, context=request.context, carried=self.tests, max_duration=limit,
                             agreement_tolerance=request.spec.load.agreement.tolerance)
        elapsed = live.decided_at if live.decided_at is not None else limit
        sj.update(samples, saturated=saturated, elapsed=elapsed)
        assert sj.result is not None
        result = sj.result
        result["sensitivity"] = report(self.tests, analysis, limit)
        return result
