"""Capacity at the SLO: the highest goodput each version sustains in a bounded rate sweep, judged.

What an LLM rollout really risks is a candidate that is as fast at low load but saturates
earlier (a smaller KV cache, a batching change): every latency gate at one load level passes
it. Like guidellm's sweep, aiperf's SLA search and inference-perf's rate sweeps, a sweep
offers baseline and candidate the same arrival rates in the same windows (one load test per
step, both targets at once), records each side's goodput (successful requests/s within every
per-request SLO), and stops once both are over-saturated (goodput below `saturation` × the
offered rate for `stop_after` steps), so the cost is bounded by the rates given and usually
less. The judged rule: candidate's max goodput ≥ (1 − margin) × baseline's.

Worked example (margin 0.2): baseline peaks at 38 req/s, candidate at 24 → 24 < 0.8 × 38 =
30.4 → FAIL; an equal candidate at 37 → PASS. A baseline that never saturated only says
"at least": the verdict still holds, and the reason says so.

Pure (no I/O): `load/capacity_sweep.py` runs the steps; this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ai_deploy_ci.artifacts import Check, VerdictFile
from ai_deploy_ci.spec.model import CapacitySpec
from ai_deploy_ci.verdict import Verdict

STARTUP_S = 4.0  # Locust start-up and shut-down per step, measured here (2–4 s), for the budget


@dataclass(frozen=True)
class CapacityPolicy:
    rates: tuple[float, ...]  # offered requests/s per target, increasing
    step_duration: float = 10.0  # measured seconds per step
    step_warmup: float = 2.0
    margin: float = 0.1  # candidate ≥ (1 − margin) × baseline's max goodput
    saturation: float = 0.9  # goodput below this fraction of the offered rate: saturated
    stop_after: int = 1  # consecutive saturated steps (on every target) that end the sweep

    def budget_seconds(self) -> float:
        """The most the sweep can take (every step run); what `plan` shows."""
        return len(self.rates) * (self.step_warmup + self.step_duration + STARTUP_S)


def policy_of(spec: CapacitySpec) -> CapacityPolicy:
    return CapacityPolicy(rates=tuple(spec.rates), step_duration=spec.step_duration,
                          step_warmup=spec.step_warmup, margin=spec.margin, saturation=spec.saturation)


@dataclass(frozen=True)
class Step:
    """One target at one offered rate."""

    offered: float
    rps: float  # requests started per second
    goodput: float
    errors: int
    count: int
    ttft_p50: float | None = None
    latency_p95: float | None = None
    generator_saturated: bool = False  # Locust's CPU warning or dropped arrivals in this step

    def saturated(self, policy: CapacityPolicy) -> bool:
        return self.goodput < policy.saturation * self.offered


def should_stop(steps: Mapping[str, Sequence[Step]], policy: CapacityPolicy) -> bool:
    """Over-saturation stop: every target's last `stop_after` steps were saturated."""
    return bool(steps) and all(
        len(s) >= policy.stop_after and all(x.saturated(policy) for x in s[-policy.stop_after:])
        for s in steps.values()
    )


def max_goodput(steps: Sequence[Step]) -> float:
    return max((s.goodput for s in steps), default=0.0)


@dataclass(frozen=True)
class CapacityResult:
    verdict: Verdict
    baseline: float  # max goodput, req/s
    candidate: float
    ratio: float | None  # candidate / baseline
    reason: str


def judge(baseline: Sequence[Step], candidate: Sequence[Step], policy: CapacityPolicy) -> CapacityResult:
    """PASS when the candidate's max goodput ≥ (1 − margin) × the baseline's; INCONCLUSIVE
    without a baseline figure or when the generator could not offer the rates (then the sweep
    measured the generator, not the servers)."""
    base, cand = max_goodput(baseline), max_goodput(candidate)
    floor = (1.0 - policy.margin) * base
    if base <= 0.0:
        return CapacityResult(Verdict.INCONCLUSIVE, base, cand, None,
                              "the baseline had no goodput at any rate")
    ratio = cand / base
    if any(s.generator_saturated for s in (*baseline, *candidate)):
        return CapacityResult(Verdict.INCONCLUSIVE, base, cand, ratio,
                              "the load generator could not keep the offered rate; use more processes")
    at_least = "" if any(s.saturated(policy) for s in baseline) else " (baseline never saturated: at least)"
    if cand >= floor:
        return CapacityResult(Verdict.PASS, base, cand, ratio,
                              f"candidate sustains {cand:.1f} req/s within the SLOs, ≥ {floor:.1f} "
                              f"= (1 − {policy.margin:g}) × baseline's {base:.1f}{at_least}")
    return CapacityResult(Verdict.FAIL, base, cand, ratio,
                          f"candidate saturates at {cand:.1f} req/s within the SLOs, below {floor:.1f} "
                          f"= (1 − {policy.margin:g}) × baseline's {base:.1f}{at_least}")


def as_check(result: CapacityResult, policy: CapacityPolicy, steps_run: int, line: int | None) -> Check:
    """The sweep as one critical check of verdict.json, beside the judged metrics."""
    change = None if result.ratio is None else round((result.ratio - 1.0) * 100.0, 2)
    rates = f"{policy.rates[0]:g}–{policy.rates[min(steps_run, len(policy.rates)) - 1]:g} req/s"
    return Check(metric="capacity", type="capacity", verdict=result.verdict.name,  # type: ignore[typeddict-item]
                 critical=True, weight=1.0, unit="req/s", baseline=round(result.baseline, 3),
                 candidate=round(result.candidate, 3), change_pct=change, interval=None,
                 interval_kind="ratio", slo=None, margin=f"-{policy.margin * 100:g} %",
                 test=f"rate sweep {rates}, {steps_run} step(s) of {policy.step_duration:g} s, max goodput",
                 reason=result.reason, source="capacity sweep", line=line)


def fold(verdict: VerdictFile, check: Check) -> VerdictFile:
    """verdict.json with the capacity check added; a capacity FAIL fails the gate (critical), an
    INCONCLUSIVE one makes a PASS inconclusive."""
    worst = Verdict.worst([Verdict[verdict["verdict"]], Verdict[check["verdict"]]])
    out = VerdictFile(**{**verdict, "checks": [*verdict["checks"], check]})
    if worst.name != verdict["verdict"]:
        out["verdict"] = worst.name  # type: ignore[typeddict-item]
        out["reason"] = f"capacity: {check['reason']}"
    return out


def curve_table(steps: Mapping[str, Sequence[Step]]) -> str:
    """The two latency-vs-rate curves as a Markdown table, one row per offered rate."""
    rates = sorted({s.offered for ss in steps.values() for s in ss})
    head = "| offered req/s | " + " | ".join(
        f"{t} goodput | {t} TTFT p50 ms | {t} p95 ms" for t in steps) + " |"
    rule = "|" + "---|" * (1 + 3 * len(steps))
    rows = [head, rule]
    for rate in rates:
        cells = [f"{rate:g}"]
        for ss in steps.values():
            s = next((x for x in ss if x.offered == rate), None)
            cells += (["—"] * 3 if s is None else
                      [f"{s.goodput:.1f}", _ms(s.ttft_p50), _ms(s.latency_p95)])
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"
