"""The judge: raw samples (+ PromQL) → PASS / INCONCLUSIVE / FAIL with a reason per metric.

`judge` judges what it is given once; `SequentialJudge.update` is what a gate calls after
every block. Both see the same complete blocks and the same always-valid intervals, so looking
after every block costs no false alarms (docs/analysis.md). Rules that hold everywhere:
a metric without data or with too few blocks is never PASS; a saturated load generator makes
the run INCONCLUSIVE; at the end (max duration) an INCONCLUSIVE follows `onInconclusive`.
"""

from __future__ import annotations

import numpy as np

from ai_deploy_ci.analysis import blocks, evaluate, explain, observe, quality, scoring
from ai_deploy_ci.analysis.evaluate import MIN_BLOCKS
from ai_deploy_ci.analysis.rollout import RolloutTests
from ai_deploy_ci.analysis.sources.base import MetricSource, MetricSourceError
from ai_deploy_ci.artifacts import Check, VerdictFile
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import AnalysisSpec, Metric
from ai_deploy_ci.verdict import Verdict


def empty_samples() -> Samples:
    f, i = np.zeros(0), np.zeros(0, np.int64)
    return Samples(
        t=f,
        latency_ms=f,
        ok=np.zeros(0, bool),
        status=i,
        nbytes=i,
        error=[],
        ttft_ms=f,
        tokens=i,
        itl_ms=f,
        itl_offsets=np.zeros(1, np.int64),
        payload=i,
        output=[],
    )


def _source_for(metric: Metric, given: MetricSource | None) -> MetricSource:
    if given is not None:
        return given
    from ai_deploy_ci.analysis.sources.prometheus import PrometheusSource  # requests only when needed

    assert metric.prometheus is not None
    return PrometheusSource(metric.prometheus.address)


def _check(
    metric: Metric,
    base: blocks.Cut,
    cand: blocks.Cut,
    lay: blocks.Layout,
    analysis: AnalysisSpec,
    enough: bool,
    context: dict[str, str] | None,
    source: MetricSource | None,
    tolerance: float,
    carried: RolloutTests | None = None,
) -> Check:
    alpha = 1.0 - analysis.confidence
    if metric.type == "errorRate":
        return evaluate.count_check(metric, observe.error_counts(base, cand), alpha, enough, carried)
    if metric.type == "agreement":
        counts = observe.agreement_counts(base, cand, tolerance)
        return evaluate.count_check(metric, counts, alpha, enough, carried)
    if metric.type == "prometheus":
        try:
            return evaluate.prometheus_check(metric, _source_for(metric, source), context, enough)
        except MetricSourceError as exc:
            query = metric.prometheus.query if metric.prometheus else ""
            return explain.check(
                metric,
                Verdict.INCONCLUSIVE,
                explain.Shown(unit="", baseline=None, candidate=None, slo=None, margin=None, source=query),
                interval=None,
                interval_kind="value",
                test="PromQL",
                reason=f"{exc.message} — {exc.fix or 'check the source'}.",
            )
    obs = observe.level(metric, base, cand, lay)
    return evaluate.level_check(metric, obs, alpha, enough, lay.length, carried)


def _overall_reason(verdict: Verdict, checks: list[Check], scored: scoring.Scored) -> str:
    """One sentence for the run: the deciding metric's own reason, or what the score allowed."""
    if verdict is Verdict.PASS:
        others = [c["metric"] for c in checks if c["verdict"] != "PASS"]
        if not others:
            return f"all {len(checks)} metrics are within their margins and SLOs."
        return (
            f"critical metrics passed and the score {scored.score:g} reaches passScore; "
            f"not passed but outweighed: {', '.join(others)}."
        )
    bad = [c for c in checks if c["verdict"] == verdict.name]
    if not bad:
        return scored.reason or "not decided"
    critical = [c for c in bad if c["critical"]] or bad
    names = ", ".join(c["metric"] for c in critical)
    return f"{names}: {critical[0]['reason']}" + (f" ({scored.reason})" if scored.reason else "")


def judge(
    analysis: AnalysisSpec,
    samples: dict[str, Samples],
    *,
    saturated: bool = False,
    context: dict[str, str] | None = None,
    metric_source: MetricSource | None = None,
    warmup: float = 0.0,
    elapsed: float | None = None,
    final: bool = True,
    agreement_tolerance: float = 0.0,
    carried: RolloutTests | None = None,
) -> VerdictFile:
    """Judge complete blocks of `samples` ("baseline", "candidate"); `final`: the analysis window is over.

    warmup: seconds at the start to ignore (0 when the load step already dropped them, as
    samples.jsonl.gz does); elapsed: seconds of load so far if known (else from the last request);
    agreement_tolerance: the spec's `load.agreement.tolerance` (numbers within it agree; 0: exact);
    carried: the rollout's tests (earlier gates' blocks, `rollout.py`); None: this run alone.
    """
    base = observe.reorder(samples.get("baseline") or empty_samples())
    cand = observe.reorder(samples.get("candidate") or empty_samples())
    lay = blocks.layout({"baseline": base, "candidate": cand}, analysis.block_length, warmup, elapsed)
    cap = int(analysis.max_duration // analysis.block_length + 1e-9)
    if lay.count > cap:
        lay = blocks.Layout(cap, lay.length, lay.start)
    enough = lay.count >= MIN_BLOCKS and lay.elapsed >= analysis.min_duration
    cuts = blocks.Cut.of(base, lay), blocks.Cut.of(cand, lay)
    checks = [
        _check(m, *cuts, lay, analysis, enough, context, metric_source, agreement_tolerance, carried)
        for m in analysis.metrics
    ]
    fit = quality.inspect({"baseline": cuts[0], "candidate": cuts[1]}, lay)
    scored = scoring.combine(
        [(Verdict[c["verdict"]], c["critical"], c["weight"]) for c in checks],
        analysis.pass_score,
        analysis.marginal_score,
    )
    verdict, reason = scored.verdict, _overall_reason(scored.verdict, checks, scored)
    empty = [
        name for name, c in zip(("baseline", "candidate"), cuts, strict=True) if c.bounds[-1] == c.bounds[0]
    ]
    if empty and any(m.type != "prometheus" for m in analysis.metrics):
        verdict = Verdict.INCONCLUSIVE
        reason = (
            f"no requests to the {' and the '.join(empty)} in the analysed blocks: check the load "
            "targets and that the load test ran."
        )
        saturated = True  # a broken measurement: the "pass" policy must not cover it
    elif fit.problems and any(m.type != "prometheus" for m in analysis.metrics):
        if verdict is not Verdict.FAIL:  # a proven regression stands; broken data cannot PASS
            verdict = Verdict.INCONCLUSIVE
            reason = f"the samples are not fit to judge: {'; '.join(fit.problems)}."
        saturated = True
    elif saturated:
        verdict = Verdict.INCONCLUSIVE
        reason = (
            "the load generator was saturated (Locust CPU warning), so it measured itself: add "
            "load processes or lower the load, then run again."
        )
    result = VerdictFile(
        verdict=explain.name_of(verdict),
        reason=reason,
        score=scored.score,
        blocks=lay.count,
        decided_at_s=lay.elapsed if verdict is not Verdict.INCONCLUSIVE else None,
        stopped_early=False,
        checks=checks,
    )
    if fit.problems or fit.warnings:
        result["problems"] = fit.problems
        result["warnings"] = fit.warnings
    if final and verdict is Verdict.INCONCLUSIVE:
        apply_policy(result, analysis, saturated=saturated, enough=enough)
    return result


def apply_policy(result: VerdictFile, analysis: AnalysisSpec, *, saturated: bool, enough: bool) -> None:
    """`onInconclusive` at the end of the window, recorded. "pass" never overrides missing data or
    a saturated generator (it is a policy about undecided effects, not about broken measurements)."""
    policy = analysis.on_inconclusive
    result["on_inconclusive"] = policy
    if policy == "fail":
        result["verdict"] = "FAIL"
        result["reason"] = (
            f"undecided at the end of the analysis, and onInconclusive is fail: {result['reason']}"
        )
    elif policy == "pass" and enough and not saturated and not _missing_data(result["checks"]):
        result["verdict"] = "PASS"
        result["reason"] = (
            f"undecided at the end of the analysis, and onInconclusive is pass: {result['reason']}"
        )
    elif policy == "extend":
        result["reason"] = f"undecided: extend the analysis (onInconclusive is extend): {result['reason']}"
    else:
        result["on_inconclusive"] = "pass (not applied: missing data or saturated load)"


def _missing_data(checks: list[Check]) -> bool:
    return any(
        c["verdict"] == "INCONCLUSIVE" and (c["test"].endswith("no data") or c["candidate"] is None)
        for c in checks
    )


class SequentialJudge:
    """Streaming form for gates: call `update` with all samples so far after every block.

    Stops on the first clear FAIL (any time) or PASS (after the minimum duration), or at the
    maximum duration, where `onInconclusive` applies. `result` is the latest verdict.json.
    """

    def __init__(
        self,
        analysis: AnalysisSpec,
        *,
        context: dict[str, str] | None = None,
        metric_source: MetricSource | None = None,
        warmup: float = 0.0,
        agreement_tolerance: float = 0.0,
        carried: RolloutTests | None = None,
        max_duration: float | None = None,
    ):
        self.analysis = analysis
        self.carried = carried
        self.max_duration = analysis.max_duration if max_duration is None else max_duration
        self.context = context
        self.metric_source = metric_source
        self.warmup = warmup
        self.agreement_tolerance = agreement_tolerance
        self.result: VerdictFile | None = None

    def update(
        self, samples_so_far: dict[str, Samples], *, saturated: bool = False, elapsed: float | None = None
    ) -> tuple[Verdict, bool]:
        a = self.analysis
        probe = {k: v for k, v in samples_so_far.items() if k in ("baseline", "candidate")}
        lay = blocks.layout(probe, a.block_length, self.warmup, elapsed)
        at_max = lay.elapsed >= self.max_duration - 1e-9
        result = judge(
            a,
            samples_so_far,
            saturated=saturated,
            context=self.context,
            metric_source=self.metric_source,
            warmup=self.warmup,
            elapsed=elapsed,
            final=at_max,
            agreement_tolerance=self.agreement_tolerance,
            carried=self.carried,
        )
        verdict = Verdict[result["verdict"]]
        stop = at_max or (verdict is not Verdict.INCONCLUSIVE and not saturated)
        result["stopped_early"] = stop and not at_max
        result["decided_at_s"] = min(lay.elapsed, self.max_duration) if stop else None
        self.result = result
        return verdict, stop
