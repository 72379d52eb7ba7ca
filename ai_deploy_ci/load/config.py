"""The run configuration handed from the runner (CLI process) to the Locust process(es).

Locust runs in its own interpreter (gevent monkey-patching), so everything it needs travels as
one JSON file whose path is in `CONFIG_ENV`. This module is pure: no Locust, no network, so
both sides and the tests share one definition of the fields.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

CONFIG_ENV = "AI_DEPLOY_CI_LOAD_CONFIG"
CPU_THRESHOLD_ENV = "AI_DEPLOY_CI_CPU_WARNING_THRESHOLD"  # tests force the saturation guard with it
CPU_INTERVAL_ENV = "AI_DEPLOY_CI_CPU_MONITOR_INTERVAL"
PARENT_ENV = "AI_DEPLOY_CI_LOAD_PARENT"  # the runner's pid: Locust stops if it is orphaned


@dataclass(frozen=True)
class RunConfig:
    """What the generated locustfile, the plugin and the built-in users read inside Locust.

    `targets` maps "baseline"/"candidate" to a base URL. `user_ref` names the user class to
    wrap: "module:Class" for a built-in, "/path/file.py" (optionally ":Class") for the user's own.
    """

    targets: dict[str, str]
    user_ref: str
    samples_dir: str
    payloads: list[object] = field(default_factory=list)
    model_name: str = "model"
    max_tokens: int = 64
    json_path: str = "$"
    load_model: str = "closed"  # closed | open
    users_per_target: int = 1
    spawn_rate: float = 10.0
    arrival_rate: float | None = None  # open model, requests/s per target (whole run, all processes)
    arrival: str = "poisson"
    processes: int = 1
    warmup: float = 0.0
    duration: float = 30.0
    progress_interval: float = 5.0
    max_inflight: int = 2000  # open model: arrivals beyond this many pending are dropped and counted
    # load.stages, per target: {"duration": s, "users": n} (closed) or {"duration": s, "rate": r/s} (open);
    # empty: one level (users_per_target / arrival_rate) for the whole run. See shapes.schedule.
    stages: list[dict[str, float]] = field(default_factory=list)
    # per-request SLOs for goodput (summary.goodput keywords: latency_ms, ttft_ms, tpot_ms); read by the
    # runner after the run, not inside Locust
    goodput_slos: dict[str, float] = field(default_factory=dict)
    # whether responses are parsed for the compared output (agreement): False skips decoding and
    # parsing every body, most of the capture's cost (bench/loadgen)
    capture_output: bool = True
    # load.request: the built-in user's path ('' = its protocol's default; `{model}` is replaced by
    # model_name), method (JSON user) and extra headers (`${VAR}` read from the environment)
    request_path: str = ""
    request_method: str = "POST"
    request_headers: dict[str, str] = field(default_factory=dict)
    ignore_eos: bool = False  # openai users: vLLM's ignore_eos + min_tokens, same length on both sides

    @property
    def run_time(self) -> float:
        return self.warmup + self.duration

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        return cls(**json.loads(text))


def write_config(config: RunConfig, path: Path) -> Path:
    path.write_text(config.to_json(), encoding="utf-8")
    return path


def current_config() -> RunConfig | None:
    """The config of this Locust process, or None when a user file runs under plain `locust`."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        return None
    return RunConfig.from_json(Path(path).read_text(encoding="utf-8"))
