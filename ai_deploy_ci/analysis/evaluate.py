"""One metric → one `Check`: the margin test, the SLO check, the worse of the two, explained.

`enough` says whether the run as a whole reached the minimum duration; each metric also needs
MIN_BLOCKS usable blocks of its own before it may PASS. FAIL needs no minimum: the intervals
are always valid, so a clear regression stops the rollout at the first block that proves it.
"""

from __future__ import annotations

import math

import numpy as np

from ai_deploy_ci.analysis import explain, noninferiority, rates, slo
from ai_deploy_ci.analysis.noninferiority import ABSOLUTE, RELATIVE, Bound
from ai_deploy_ci.analysis.observe import UNITS, Counts, Level
from ai_deploy_ci.analysis.rollout import RolloutTests
from ai_deploy_ci.analysis.sources.base import MetricSource, NoData, Values, render, variables_for
from ai_deploy_ci.artifacts import Check
from ai_deploy_ci.spec.model import Metric
from ai_deploy_ci.verdict import Verdict

MIN_BLOCKS = 3  # below this the t interval is (nearly) infinite anyway; never PASS on fewer


def _labels(bounds: list[Bound]) -> str | None:
    return ", ".join(b.label for b in bounds) or None


def _combine(parts: list[tuple[Verdict, str]], enough: bool, what: str) -> tuple[Verdict, str]:
    """Worst part decides and explains; no part at all: observe-only."""
    if not parts:
        verdict = Verdict.PASS if enough else Verdict.INCONCLUSIVE
        return verdict, f"{what} has no SLO or margin: observed only."
    return max(parts, key=lambda p: p[0])


def level_check(
    metric: Metric,
    obs: Level,
    alpha: float,
    enough: bool,
    block_s: float,
    carried: RolloutTests | None = None,
) -> Check:
    unit = UNITS[metric.type]
    what = obs.statistic
    margins = noninferiority.bounds(metric, RELATIVE)
    slos = slo.slo_bounds(metric.slo, unit)
    common = explain.Shown(
        unit=unit, baseline=obs.baseline, candidate=obs.candidate, slo=_labels(slos), margin=_labels(margins)
    )
    for target, blocks in (("candidate", obs.cand_blocks), ("baseline", obs.base_blocks)):
        needed = target == "candidate" or margins  # the baseline matters only for a margin
        if needed and not np.isfinite(blocks).any():
            return explain.check(
                metric,
                Verdict.INCONCLUSIVE,
                interval=None,
                interval_kind="ratio",
                test="no data",
                reason=explain.reason_no_data(what, target),
                shown=common,
            )
    parts: list[tuple[Verdict, str]] = []
    interval: tuple[float, float] | None = None
    kind, test = "value", ""
    if margins:
        x = noninferiority.log_ratios(obs.base_blocks, obs.cand_blocks)
        n = int(x.size)
        ok = enough and n >= MIN_BLOCKS
        low = high = 0.0
        for b in margins:
            t = noninferiority.decide_blocks(
                x, b, RELATIVE, alpha, enough=ok, carried=carried, key=f"{metric.name} {b.label}"
            )
            low, high = t.low, t.high
            text = explain.fmt_interval(math.exp(low), math.exp(high), "ratio")
            parts.append((t.verdict, explain.reason_margin(t.verdict, what, text, b.label, n, ok)))
            rollout_n = t.rollout_blocks
        interval, kind = (math.exp(low), math.exp(high)), "ratio"
        carried_text = f", {rollout_n} over the rollout" if carried is not None and rollout_n > n else ""
        test = (
            f"robust always-valid betting test (clipped, symmetric noise, σ unknown) on per-block "
            f"log-ratio of {what}, {n} paired blocks of {block_s:g} s{carried_text}"
        )
    if slos:
        low, high = slo.level_interval(obs.cand_blocks, alpha)
        n_c = int(np.isfinite(obs.cand_blocks).sum())
        ok = enough and n_c >= MIN_BLOCKS
        text = explain.fmt_interval(low, high, "value")
        for b in slos:
            v = noninferiority.decide(low, high, b, enough=ok)
            parts.append((v, explain.reason_slo(v, what, text, b.label, ok)))
        if interval is None:
            interval = (low, high)
            test = f"always-valid t interval on the candidate's per-block {what}, {n_c} blocks"
        else:
            test += f"; SLO on the candidate's per-block {what}"
    verdict, reason = _combine(parts, enough, what)
    return explain.check(
        metric,
        verdict,
        interval=interval,
        interval_kind=kind,
        test=test or "observed",
        reason=reason,
        shown=common,
    )


def count_check(
    metric: Metric, obs: Counts, alpha: float, enough: bool, carried: RolloutTests | None = None
) -> Check:
    what = obs.statistic
    margins = noninferiority.bounds(metric, ABSOLUTE)
    slos = slo.slo_bounds(metric.slo, "ratio")
    base_rate, cand_rate = (
        Counts.rate(obs.base_hits, obs.base_total),
        Counts.rate(obs.cand_hits, obs.cand_total),
    )
    common = explain.Shown(
        unit="ratio", baseline=base_rate, candidate=cand_rate, slo=_labels(slos), margin=_labels(margins)
    )
    if cand_rate is None or (margins and base_rate is None):
        target = "candidate" if cand_rate is None else "baseline"
        return explain.check(
            metric,
            Verdict.INCONCLUSIVE,
            interval=None,
            interval_kind="difference",
            test="no data",
            reason=explain.reason_no_data(what, target),
            shown=common,
        )
    blocks = int(((obs.cand_total > 0) & ((obs.base_total > 0) | (not margins))).sum())
    ok = enough and blocks >= MIN_BLOCKS
    parts: list[tuple[Verdict, str]] = []
    interval: tuple[float, float] | None = None
    kind, test = "value", ""
    if margins:
        d = rates.block_differences(obs.base_hits, obs.base_total, obs.cand_hits, obs.cand_total)
        low = high = 0.0
        for b in margins:
            t = noninferiority.decide_blocks(
                d, b, ABSOLUTE, alpha, enough=ok, carried=carried, key=f"{metric.name} {b.label}"
            )
            low, high = t.low, t.high
            text = explain.fmt_interval(low, high, "difference")
            parts.append((t.verdict, explain.reason_margin(t.verdict, what, text, b.label, blocks, ok)))
        interval, kind = (low, high), "difference"
        test = (
            f"robust always-valid betting test on the per-block {what} difference "
            f"(bursts stay inside their block), {int(obs.base_total.sum())} vs "
            f"{int(obs.cand_total.sum())} requests"
        )
    if slos:
        low, high = rates.corrected_interval(obs.cand_hits, obs.cand_total, alpha)
        text = f"[{explain.fmt(low, 'ratio')}, {explain.fmt(high, 'ratio')}]"
        for b in slos:
            v = noninferiority.decide(low, high, b, enough=ok)
            parts.append((v, explain.reason_slo(v, what, text, b.label, ok)))
        if interval is None:
            interval = (low, high)
            test = f"always-valid beta-binomial interval on the candidate's {what}"
        else:
            test += "; SLO on the candidate's rate"
    verdict, reason = _combine(parts, enough, what)
    if obs.example and verdict is not Verdict.PASS:
        reason += f" First difference: {obs.example}."
        if cand_rate is not None and cand_rate < 0.5:
            reason += " If every answer differs, narrow load.agreement.jsonPath to the prediction itself."
    return explain.check(
        metric,
        verdict,
        interval=interval,
        interval_kind=kind,
        test=test or "observed",
        reason=reason,
        shown=common,
    )


def prometheus_check(
    metric: Metric, source: MetricSource, context: dict[str, str] | None, enough: bool
) -> Check:
    """Argo-style threshold on a PromQL value per target (mean over a range query's steps).

    Prometheus already aggregates over its window, so there are no blocks to test: the SLO and
    the relative margin are compared with the values as they are, and NoData is INCONCLUSIVE.
    """
    assert metric.prometheus is not None
    prom = metric.prometheus
    got = {}
    queries = {}
    for target in ("baseline", "candidate"):
        queries[target] = render(prom.query, variables_for(target, context))
        got[target] = source.query(queries[target], range_seconds=prom.range, step=prom.step)
    cand, base = got["candidate"], got["baseline"]
    margins = noninferiority.bounds(metric, RELATIVE)
    slos = slo.slo_bounds(metric.slo, "")
    cv = cand.mean if isinstance(cand, Values) else None
    bv = base.mean if isinstance(base, Values) else None
    common = explain.Shown(
        unit="",
        baseline=bv,
        candidate=cv,
        slo=_labels(slos),
        margin=_labels(margins),
        source=queries["candidate"],
    )
    missing = (
        "candidate"
        if isinstance(cand, NoData)
        else ("baseline" if margins and isinstance(base, NoData) else "")
    )
    if missing:
        empty = got[missing]
        why = empty.reason if isinstance(empty, NoData) else ""
        return explain.check(
            metric,
            Verdict.INCONCLUSIVE,
            interval=None,
            interval_kind="value",
            test="PromQL: no data",
            reason=f"the query for the {missing} returned no data ({why}) — "
            "check its labels; no data is never read as 0.",
            shown=common,
        )
    assert cv is not None
    parts: list[tuple[Verdict, str]] = []
    for b in slos:
        bad = cv > b.limit if b.upper else cv < b.limit
        v = Verdict.FAIL if bad else (Verdict.PASS if enough else Verdict.INCONCLUSIVE)
        parts.append(
            (v, f"candidate {metric.name} = {cv:.4g} {'breaks' if bad else 'meets'} the SLO {b.label}.")
        )
    if margins and bv is not None and bv > 0 and cv > 0:
        effect = math.log(cv / bv)
        for b in margins:
            bad = effect > b.limit if b.upper else effect < b.limit
            v = Verdict.FAIL if bad else (Verdict.PASS if enough else Verdict.INCONCLUSIVE)
            parts.append(
                (
                    v,
                    f"{metric.name} changed {100 * (cv / bv - 1):+.1f} % "
                    f"({'beyond' if bad else 'within'} the {b.label} margin).",
                )
            )
    verdict, reason = _combine(parts, enough, metric.name)
    window = f"range {prom.range:g} s" if prom.range else "instant"
    return explain.check(
        metric,
        verdict,
        common,
        interval=None,
        interval_kind="value",
        test=f"PromQL threshold ({window})",
        reason=reason,
    )
