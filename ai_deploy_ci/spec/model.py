"""The validated deploy.yaml as frozen dataclasses.

Everything downstream (planning, routers, load, analysis, report) reads these, never the raw
YAML, so a field has one name and one type everywhere. Durations are seconds (float), weights
and percentages are numbers in 0–100, GPU counts are whole numbers.
`ai_deploy_ci.spec.load.load_spec` builds them after schema and semantic validation; tests may
construct them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Protocol = Literal["json", "open-inference-v2", "openai"]
StrategyType = Literal["rolling", "recreate", "blueGreen", "canary", "abTest", "shadow"]
RouterType = Literal["service", "replicas", "gatewayAPI", "istio", "nginx"]
UserKind = Literal["json", "open-inference-v2", "openai-completions", "openai-chat"]
MetricType = Literal[
    "latency",  # request latency quantile (ms)
    "errorRate",  # failed / total requests
    "throughput",  # successful requests per second
    "ttft",  # time to first token quantile (ms), streaming only
    "itl",  # inter-token latency quantile (ms): gaps after the first token
    "tokensPerSecond",  # output tokens per second per request (mean)
    "agreement",  # share of identical inputs whose outputs agree between targets
    "prometheus",  # a PromQL query per target
]
OnInconclusive = Literal["fail", "pass", "extend"]


@dataclass(frozen=True)
class Metadata:
    name: str
    namespace: str = "default"
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    path: str
    port: int | None = None  # defaults to the server port
    initial_delay_seconds: int = 0
    period_seconds: int = 5
    timeout_seconds: int = 2
    failure_threshold: int = 3


@dataclass(frozen=True)
class Volume:
    """A volume for model artifacts: exactly one source is set."""

    name: str
    mount_path: str
    read_only: bool = True
    persistent_volume_claim: str | None = None
    config_map: str | None = None
    empty_dir: bool = False
    host_path: str | None = None


@dataclass(frozen=True)
class Toleration:
    key: str | None = None
    operator: Literal["Exists", "Equal"] = "Equal"
    value: str | None = None
    effect: str | None = None


@dataclass(frozen=True)
class Resources:
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    gpus: int = 0  # nvidia.com/gpu per pod (limits, which Kubernetes requires for extended resources)


@dataclass(frozen=True)
class Server:
    """The model server. Either `image` (we generate the Deployment) or `manifest` (the user's own)."""

    image: str | None
    version: str  # the candidate's version label; baseline version is read from the cluster
    port: int = 8080
    protocol: Protocol = "json"
    model_name: str = "model"  # OIP v2 `/v2/models/{name}` and OpenAI `model`
    replicas: int = 1
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    readiness: Probe | None = None
    liveness: Probe | None = None
    startup: Probe | None = None
    termination_grace_period_seconds: int = 30
    pre_stop_sleep_seconds: int = 0  # lets endpoints drop the pod before SIGTERM
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: tuple[Toleration, ...] = ()
    volumes: tuple[Volume, ...] = ()
    manifest: str | None = None  # path (relative to deploy.yaml) of a Deployment manifest


@dataclass(frozen=True)
class Analysis:
    """Which gate runs the analysis; the metrics live in the top-level `analysis` section."""

    duration: float | None = None  # seconds; None uses analysis.maxDuration


@dataclass(frozen=True)
class CanaryStep:
    """Exactly one of the three is set (Argo Rollouts' step shape)."""

    set_weight: int | None = None
    pause: float | None = None  # seconds; math.inf pauses until `promote` (approval)
    analysis: Analysis | None = None

    @property
    def kind(self) -> Literal["setWeight", "pause", "analysis"]:
        if self.set_weight is not None:
            return "setWeight"
        return "pause" if self.pause is not None else "analysis"


@dataclass(frozen=True)
class RollingStrategy:
    max_surge: str = "25%"  # int or percentage, as Kubernetes takes it
    max_unavailable: str = "0"


@dataclass(frozen=True)
class BlueGreenStrategy:
    preview_service: str | None = None  # defaults to <name>-preview
    auto_promote: bool = True
    scale_down_delay: float = 30.0
    pre_promotion_analysis: bool = True


@dataclass(frozen=True)
class CanaryStrategy:
    steps: tuple[CanaryStep, ...]


@dataclass(frozen=True)
class Match:
    """A/B routing rule: exactly one of header, cookie or query."""

    header: tuple[str, str] | None = None  # (name, value)
    cookie: tuple[str, str] | None = None
    query: tuple[str, str] | None = None


@dataclass(frozen=True)
class AbTestStrategy:
    match: Match
    duration: float = 300.0
    analysis: bool = True  # judge the variants at the end; False only routes (manual experiments)


@dataclass(frozen=True)
class ShadowStrategy:
    mirror_percent: float = 100.0
    duration: float = 300.0
    compare_outputs: bool = True


@dataclass(frozen=True)
class Strategy:
    type: StrategyType
    rolling: RollingStrategy | None = None
    blue_green: BlueGreenStrategy | None = None
    canary: CanaryStrategy | None = None
    ab_test: AbTestStrategy | None = None
    shadow: ShadowStrategy | None = None
    progress_deadline_seconds: int = 600


@dataclass(frozen=True)
class TrafficRouter:
    """Names the objects a router owns. Unset names default to metadata.name (+ a suffix)."""

    type: RouterType
    service: str | None = None  # stable/public Service name (all routers)
    http_route: str | None = None  # gatewayAPI
    gateway: tuple[str, str] | None = None  # gatewayAPI parentRef (namespace, name)
    mesh: bool = False  # gatewayAPI GAMMA mode: parentRef is the model's Service (Linkerd, Istio ambient)
    virtual_service: str | None = None  # istio
    destination_rule: str | None = None  # istio
    hosts: tuple[str, ...] = ()  # istio/nginx/gatewayAPI hostnames
    ingress: str | None = None  # nginx: the stable Ingress, which the user owns
    ingress_class: str = "nginx"


@dataclass(frozen=True)
class Target:
    """Where load goes: a URL, or a Service in the deploy namespace."""

    url: str | None = None
    service: str | None = None
    port: int | None = None


@dataclass(frozen=True)
class AvailabilityProbe:
    enabled: bool = True
    url: str | None = None  # defaults to the public endpoint of the router
    path: str = "/readyz"
    rate: float = 5.0  # requests per second
    timeout: float = 2.0


@dataclass(frozen=True)
class Agreement:
    """How two outputs are compared for the agreement metric."""

    json_path: str = "$"  # dotted path into the response, e.g. $.predictions[0].label
    tolerance: float = 0.0  # absolute tolerance for numbers; 0 means exact


@dataclass(frozen=True)
class LoadStage:
    """One stage of `load.stages`: a level held for `duration` seconds, the same on both targets.

    Exactly one level is set: `users` per target (closed model) or `rate` requests/s per target
    (open model).
    """

    duration: float
    users: int | None = None
    rate: float | None = None


@dataclass(frozen=True)
class Lengths:
    """A length distribution in words (`load.workload.promptTokens` / `outputTokens`)."""

    distribution: Literal["fixed", "uniform", "normal"]
    value: int | None = None
    min: int | None = None
    max: int | None = None
    mean: float | None = None
    stddev: float | None = None


@dataclass(frozen=True)
class SharedPrefix:
    tokens: int
    groups: int = 1


@dataclass(frozen=True)
class Workload:
    """`load.workload`: payloads generated from distributions or read from a dataset."""

    count: int = 100
    seed: int = 0
    prompt_tokens: Lengths | None = None
    output_tokens: Lengths | None = None
    shared_prefix: SharedPrefix | None = None
    dataset: str | None = None
    dataset_format: Literal["jsonl", "sharegpt"] = "jsonl"
    multi_turn: bool = False


@dataclass(frozen=True)
class RequestOptions:
    """`load.request`: how the built-in user sends a request ('' path: the protocol's own)."""

    path: str = ""  # `{model}` is replaced by server.model_name
    method: Literal["POST", "PUT"] = "POST"
    headers: tuple[tuple[str, str], ...] = ()  # `${NAME}` in a value is read from the environment


@dataclass(frozen=True)
class Load:
    user: UserKind | None = None  # None: derived from server.protocol
    locustfile: str | None = None  # the user's own; raw samples are still captured
    payloads: tuple[dict[str, object], ...] = ()  # inline
    payloads_file: str | None = None  # JSONL, relative to deploy.yaml
    model: Literal["closed", "open"] = "closed"
    users: int = 10  # closed model
    spawn_rate: float = 10.0
    arrival_rate: float | None = None  # open model, requests per second per target
    arrival: Literal["constant", "poisson"] = "poisson"
    duration: float = 120.0  # measured seconds; with stages, their sum
    warmup: float = 10.0  # with stages: run at the first stage's level before the stages
    processes: int = 1
    distributed_workers: int = 0  # > 0: Locust master + workers as Kubernetes Jobs
    baseline: Target | None = None
    candidate: Target | None = None
    availability: AvailabilityProbe = field(default_factory=AvailabilityProbe)
    agreement: Agreement = field(default_factory=Agreement)
    max_tokens: int = 64  # openai users
    ignore_eos: bool = False  # openai users: exactly max_tokens tokens (vLLM ignore_eos, min_tokens)
    request: RequestOptions = field(default_factory=RequestOptions)
    workload: Workload | None = None
    stages: tuple[LoadStage, ...] = ()  # replaces users/arrivalRate and duration (k6-like stages)


@dataclass(frozen=True)
class Slo:
    """Absolute bound on the candidate's value, in the metric's unit."""

    max: float | None = None
    min: float | None = None


@dataclass(frozen=True)
class Prometheus:
    address: str
    query: str  # may use $target, $version, $namespace, $name placeholders
    range: float | None = None  # seconds: range query over this window; None: instant
    step: float = 15.0


@dataclass(frozen=True)
class Metric:
    name: str
    type: MetricType
    quantile: float | None = None  # latency/ttft/itl, e.g. 0.95
    slo: Slo | None = None
    # Margins against baseline. Relative (candidate ≤ baseline × (1 + max_increase)) for latency,
    # ttft, itl, throughput, tokensPerSecond, prometheus; absolute fraction points for errorRate
    # and agreement (0.005 = half a percentage point), where a ratio of two small rates is noise.
    max_increase: float | None = None
    max_decrease: float | None = None  # for higher-is-better metrics (throughput, tokens/s, agreement)
    critical: bool = False  # a FAIL here fails the run alone
    weight: float = 1.0
    prometheus: Prometheus | None = None
    line: int | None = None  # where the metric is defined in deploy.yaml (1-based), for annotations


@dataclass(frozen=True)
class CapacitySpec:
    """`analysis.capacity`: the rate sweep (see `ai_deploy_ci.analysis.capacity`)."""

    rates: tuple[float, ...]
    step_duration: float = 10.0
    step_warmup: float = 2.0
    margin: float = 0.1
    saturation: float = 0.9
    line: int | None = None


@dataclass(frozen=True)
class AnalysisSpec:
    metrics: tuple[Metric, ...]
    block_length: float = 15.0
    min_duration: float = 60.0
    max_duration: float = 300.0
    confidence: float = 0.95
    on_inconclusive: OnInconclusive = "fail"
    pass_score: float = 95.0  # Kayenta-like: weighted score of non-critical metrics
    marginal_score: float = 75.0
    capacity: CapacitySpec | None = None


@dataclass(frozen=True)
class RollbackPolicy:
    on_failure: bool = True
    on_inconclusive: bool = True
    timeout: float = 300.0


@dataclass(frozen=True)
class ReportOptions:
    title: str | None = None
    target: str = "staging"  # one sticky comment per PR and target
    comment: bool = True
    summary: bool = True
    charts: bool = True
    artifact_url: str | None = None


@dataclass(frozen=True)
class Spec:
    metadata: Metadata
    server: Server
    strategy: Strategy
    traffic_router: TrafficRouter
    load: Load
    analysis: AnalysisSpec
    rollback: RollbackPolicy = field(default_factory=RollbackPolicy)
    report: ReportOptions = field(default_factory=ReportOptions)
    source: str | None = None  # path of the deploy.yaml this came from
