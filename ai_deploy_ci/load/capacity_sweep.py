"""Run the capacity sweep: one open-model load test per offered rate, both targets at once.

Each step is an ordinary load test (`runner.execute`) with a constant arrival rate per target,
so baseline and candidate see the same rate in the same window and every step keeps its own
samples and summary (`step-<i>/`). The sweep stops early once both targets are over-saturated
(`analysis.capacity.should_stop`); `capacity.json` holds the curves and the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ai_deploy_ci.analysis import capacity
from ai_deploy_ci.artifacts import LoadSummary, VerdictFile
from ai_deploy_ci.load import locustfile_gen, runner
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.spec.model import Spec

CAPACITY_FILE = "capacity.json"


def step_config(base: RunConfig, rate: float, policy: capacity.CapacityPolicy, out: Path) -> RunConfig:
    """The step's RunConfig: the user, payloads, SLOs and targets of `base`, at `rate` per target.
    Constant arrivals: Poisson bursts would add noise to a figure we take the maximum of."""
    return replace(base, load_model="open", arrival_rate=float(rate), arrival="constant", stages=[],
                   warmup=policy.step_warmup, duration=policy.step_duration,
                   samples_dir=str(out / "raw"))


def step_of(summary: LoadSummary, target: str, rate: float) -> capacity.Step:
    t = summary["targets"][target]
    dropped = any("arrivals dropped" in w for w in summary.get("warnings", []))
    ttft = t.get("ttft_ms")
    return capacity.Step(offered=rate, rps=float(t["rps"]), goodput=float(t["goodput"]),
                         errors=int(t["errors"]), count=int(t["count"]),
                         ttft_p50=None if ttft is None else float(ttft["p50"]),
                         latency_p95=float(t["latency_ms"]["p95"]),
                         generator_saturated=bool(summary.get("saturated")) or dropped)


def run_capacity_sweep(base: RunConfig, out_dir: Path, policy: capacity.CapacityPolicy, *,
                       user_label: str = "") -> dict[str, Any]:
    """Sweep `policy.rates` (stopping at over-saturation), judge, write and return capacity.json."""
    out_dir = out_dir.resolve()
    steps: dict[str, list[capacity.Step]] = {t: [] for t in base.targets}
    for i, rate in enumerate(policy.rates):
        step_dir = out_dir / f"step-{i}"
        summary = runner.execute(step_config(base, rate, policy, step_dir), step_dir, user_label=user_label)
        for target in steps:
            steps[target].append(step_of(summary, target, rate))
        if capacity.should_stop(steps, policy):
            break
    result = capacity.judge(steps.get("baseline", []), steps.get("candidate", []), policy)
    report: dict[str, Any] = {
        "verdict": result.verdict.name, "reason": result.reason,
        "baseline_max_goodput": round(result.baseline, 3),
        "candidate_max_goodput": round(result.candidate, 3),
        "ratio": None if result.ratio is None else round(result.ratio, 4),
        "policy": asdict(policy), "goodput_slos": dict(base.goodput_slos),
        "steps_run": max((len(s) for s in steps.values()), default=0),
        "curves": {t: [asdict(s) for s in ss] for t, ss in steps.items()},
        "table": capacity.curve_table(steps),
    }
    (out_dir / CAPACITY_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def gate_capacity(spec: Spec, out: Path, baseline_url: str, candidate_url: str, verdict: VerdictFile,
                  base_dir: Path, on_event: Callable[[str], None] = print) -> VerdictFile:
    """The gate's capacity step: sweep into `<gate>/capacity/`, fold the check into the verdict."""
    assert spec.analysis.capacity is not None
    policy = capacity.policy_of(spec.analysis.capacity)
    on_event(f"capacity: sweeping {len(policy.rates)} rates at most "
             f"(≤ {policy.budget_seconds():.0f} s), baseline and candidate together")
    config = runner.spec_config(spec, out / "capacity", baseline_url=baseline_url,
                                candidate_url=candidate_url, duration=None, base_dir=base_dir)
    report = run_capacity_sweep(config, out / "capacity", policy,
                                user_label=locustfile_gen.user_kind(spec.load, spec.server.protocol))
    result = capacity.CapacityResult(capacity.Verdict[report["verdict"]], report["baseline_max_goodput"],
                                     report["candidate_max_goodput"], report["ratio"], report["reason"])
    check = capacity.as_check(result, policy, report["steps_run"], spec.analysis.capacity.line)
    on_event(f"capacity: {check['verdict']}: {check['reason']}")
    return capacity.fold(verdict, check)
