"""Shapes of the JSON files that cross step (and job) boundaries.

Each step writes one of these into the results directory; `report` renders from them alone,
so a step may run in its own job and a crashed runner can be resumed. Producers own their
shape: load → summary.json, analysis → verdict.json, cluster engine → rollout.json.
All times are ISO-8601 UTC strings or seconds since the load run started (`t`).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

SUMMARY_FILE = "summary.json"
VERDICT_FILE = "verdict.json"
ROLLOUT_FILE = "rollout.json"
SAMPLES_FILE = "samples.frames"  # merged raw samples, both targets (columnar: load/samples_io.py)
LEGACY_SAMPLES_FILE = "samples.jsonl.gz"  # version 1, still read by analyze
LOCUST_HTML = "locust-report.html"


class Quantiles(TypedDict):
    p50: float
    p90: float
    p95: float
    p99: float
    max: float


class Bucket(TypedDict):
    """One time bucket of a target's load, for charts (not for judging)."""

    t: float  # bucket start, seconds since run start
    requests: int
    errors: int
    rps: float
    p50: float
    p95: float
    p99: float


class TargetSummary(TypedDict):
    url: str
    count: int
    errors: int
    errors_by_kind: dict[str, int]
    rps: float
    latency_ms: Quantiles
    ttft_ms: NotRequired[Quantiles]
    itl_ms: NotRequired[Quantiles]
    tpot_ms: NotRequired[float]
    tokens_per_second: NotRequired[float]  # per request, then the mean
    output_tokens_per_second: NotRequired[float]  # all output tokens / the window (aggregate)
    agreement: NotRequired[float]
    goodput: float  # successful requests/s meeting every SLO of LoadSummary.goodput_slos (all: none given)
    timeline: list[Bucket]


class Availability(TypedDict):
    url: str
    requests: int
    failed: int
    longest_failure_streak: int  # consecutive failed probe requests
    longest_failure_seconds: float


class LoadSummary(TypedDict):  # summary.json
    started: str
    ended: str
    duration_s: float
    warmup_s: float
    user: str
    load_model: str  # "closed: 20 users" / "open: poisson 50/s"
    processes: int
    saturated: bool  # Locust's CPU warning fired: the run is not trustworthy
    warnings: list[str]
    targets: dict[str, TargetSummary]  # "baseline", "candidate"
    # per-request bounds goodput applied, from the analysis SLOs: latency_ms, ttft_ms, tpot_ms (the itl
    # SLO on each request's mean token gap); {} means none was declared: goodput = successful rps
    goodput_slos: dict[str, float]
    availability: NotRequired[Availability]
    locust_html: NotRequired[str]
    samples_file: str
    # distributed mode: per Locust worker, requests produced and delivered to the master (load/delivery.py)
    delivery: NotRequired[dict[str, dict[str, int | bool]]]
    incomplete: NotRequired[str]  # why samples are missing (a worker lost, a gap): the gate is INCONCLUSIVE


class Check(TypedDict):
    """One metric's judgement, with everything needed to explain it."""

    metric: str
    type: str
    verdict: Literal["PASS", "INCONCLUSIVE", "FAIL"]
    critical: bool
    weight: float
    unit: str  # "ms", "ratio", "req/s", "tokens/s", ...
    baseline: float | None
    candidate: float | None
    change_pct: float | None
    interval: list[float] | None  # confidence interval of the candidate/baseline effect
    interval_kind: str  # "ratio", "difference", "value"
    slo: str | None  # "≤ 250 ms"
    margin: str | None  # "+10 %"
    test: str  # "mSPRT on per-block log p95, 12 blocks"
    reason: str  # one sentence a person can act on
    source: str  # "samples" or the PromQL query
    line: int | None  # deploy.yaml line that defines the metric


class VerdictFile(TypedDict):  # verdict.json
    verdict: Literal["PASS", "INCONCLUSIVE", "FAIL"]
    reason: str
    score: float | None
    blocks: int
    decided_at_s: float | None  # seconds of load when the sequential test stopped
    stopped_early: bool
    checks: list[Check]
    on_inconclusive: NotRequired[str]  # the policy applied at the end of the analysis, when one was
    problems: NotRequired[list[str]]  # broken measurement (analysis/quality.py): never PASS
    warnings: NotRequired[list[str]]  # recorded, the verdict stands (e.g. NaN latencies dropped)
    sensitivity: NotRequired[list[dict[str, Any]]]  # what this gate can detect (analysis/sensitivity.py)
    time_to_decision_s: NotRequired[float | None]  # gate: seconds of load until it decided
    load_stopped_early: NotRequired[bool]  # gate: the load was stopped at the decision


class StepRecord(TypedDict):
    index: int
    kind: str  # "apply", "setWeight", "pause", "analysis", "switch", "promote", "scaleDown", ...
    description: str
    weight: NotRequired[int]
    started: str
    ended: NotRequired[str]
    verdict: NotRequired[str]
    status: Literal["pending", "running", "succeeded", "failed", "skipped"]


class RollbackRecord(TypedDict):
    reason: str
    actions: list[str]  # what was written, in order
    seconds_to_no_traffic: float
    restored: bool  # the cluster equals the pre-run snapshot (bookkeeping aside)
    writes_to_no_traffic: NotRequired[int]  # API writes from the decision to no traffic on the candidate


class NotStartedRecord(TypedDict):
    """Why a run stopped before its first change to the cluster (outcome "not_started")."""

    # lock held / preflight refused / reading or planning failed / a signal before the first change
    stage: Literal["lock", "preflight", "plan", "cancelled"]
    reason: str  # the error's message, e.g. "not allowed in namespace ml: update httproutes…"
    fix: NotRequired[str]  # the error's fix text
    error: str  # the error class: "LockHeld", "ClusterError", ...
    exit_code: int  # the command's exit code (5 lock held, 3 cluster error, ...)


class RolloutRecord(TypedDict):  # rollout.json
    run_id: str
    name: str
    namespace: str
    strategy: str
    router: str
    baseline_version: str | None  # None on a first deploy, and when the run did not start
    candidate_version: str
    outcome: Literal["promoted", "rolled_back", "paused", "failed", "dry_run", "not_started", "cancelled"]
    started: str
    ended: str
    steps: list[StepRecord]  # empty when not_started
    rollback: NotRequired[RollbackRecord]
    not_started: NotRequired[NotStartedRecord]  # with outcome "not_started" only
    commit: NotRequired[str]
    pull_request: NotRequired[int]
