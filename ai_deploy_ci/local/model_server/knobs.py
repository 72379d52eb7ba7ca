"""Behaviour knobs of the sample model server: parsed from env vars and flags, validated, pure.

The same knobs arrive two ways: as pod-template env vars when the local cluster's kubelet
starts the server, and as flags when a person or a fixture does. Flags override env so a test
can pin one knob without scrubbing the environment. Latency and error draws take an explicit
`random.Random`, so they are reproducible with `--seed` and testable without a server.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ai_deploy_ci.errors import UserError


class KnobError(UserError):
    """A knob value that cannot be used (wrong type or out of range)."""


@dataclass(frozen=True)
class Knobs:
    """Every tunable behaviour; defaults give a fast, healthy, correct server."""

    host: str = "127.0.0.1"
    port: int = 8080
    model_version: str = "v1"
    model_name: str = "iris"
    extra_latency_ms: float = 0.0
    latency_jitter: float = 0.0  # ± fraction of extra_latency_ms, uniform
    proportional_latency: float = 0.0  # extra sleep = fraction × measured compute time
    tail_latency_ms: float = 0.0  # added on top with probability tail_probability
    tail_probability: float = 0.0
    error_rate: float = 0.0  # fraction of inference requests answered with error_status
    error_status: int = 500
    first_token_ms: float = 0.0
    token_interval_ms: float = 0.0
    startup_delay_s: float = 0.0
    wrong_output_rate: float = 0.0  # fraction of *inputs* (deterministic) given a wrong label
    drain_timeout_s: float = 10.0
    max_concurrency: int = 0  # inference requests served at once (KV-cache-like); 0: unlimited
    max_queue: int = 0  # requests waiting for a slot beyond which 503 is answered; 0: unbounded
    seed: int = 0

    def __post_init__(self) -> None:
        _check_range("port", self.port, 0, 65535)
        for name in (
            "extra_latency_ms",
            "proportional_latency",
            "tail_latency_ms",
            "first_token_ms",
            "token_interval_ms",
            "startup_delay_s",
            "drain_timeout_s",
            "max_concurrency",
            "max_queue",
        ):
            _check_range(name, getattr(self, name), 0, None)
        for name in ("latency_jitter", "tail_probability", "error_rate", "wrong_output_rate"):
            _check_range(name, getattr(self, name), 0, 1)
        if self.error_status not in (500, 502, 503, 504, 429):
            raise KnobError(f"error_status must be one of 429, 500, 502, 503, 504, not {self.error_status}")
        if not self.model_version or not self.model_name:
            raise KnobError("model_version and model_name must not be empty")

    def service_delay_s(self, compute_s: float, rng: random.Random) -> float:
        """Seconds to sleep after computing, so the service time follows the knobs.

        Worked example: extra 50 ms, jitter 0.1, tail 500 ms at p=0.01, compute 0.2 ms,
        proportional 0 → 45–55 ms for 99 % of requests, 545–555 ms for 1 %.
        """
        delay = self.extra_latency_ms
        if self.latency_jitter and delay:
            delay *= 1.0 + rng.uniform(-self.latency_jitter, self.latency_jitter)
        if self.tail_probability and rng.random() < self.tail_probability:
            delay += self.tail_latency_ms
        return delay / 1000.0 + compute_s * self.proportional_latency

    def should_fail(self, rng: random.Random) -> bool:
        """Whether this request gets `error_status` instead of an answer."""
        return self.error_rate > 0 and rng.random() < self.error_rate


# knob name → env var; the flag is `--` + name with dashes
ENV_VARS: dict[str, str] = {
    "host": "HOST",
    "port": "PORT",
    "model_version": "MODEL_VERSION",
    "model_name": "MODEL_NAME",
    "extra_latency_ms": "EXTRA_LATENCY_MS",
    "latency_jitter": "LATENCY_JITTER",
    "proportional_latency": "PROPORTIONAL_LATENCY",
    "tail_latency_ms": "TAIL_LATENCY_MS",
    "tail_probability": "TAIL_PROBABILITY",
    "error_rate": "ERROR_RATE",
    "error_status": "ERROR_STATUS",
    "first_token_ms": "FIRST_TOKEN_MS",
    "token_interval_ms": "TOKEN_INTERVAL_MS",
    "startup_delay_s": "STARTUP_DELAY_S",
    "wrong_output_rate": "WRONG_OUTPUT_RATE",
    "drain_timeout_s": "DRAIN_TIMEOUT_S",
    "max_concurrency": "MAX_CONCURRENCY",
    "max_queue": "MAX_QUEUE",
    "seed": "SEED",
}

_TYPES: dict[str, type] = {f.name: type(f.default) for f in fields(Knobs)}


def _check_range(name: str, value: float, low: float, high: float | None) -> None:
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise KnobError(
            f"{name} must be {bound}, got {value}", fix=f"set {ENV_VARS.get(name, name)} in range"
        )


def _convert(name: str, raw: Any) -> Any:
    kind = _TYPES[name]
    if isinstance(raw, kind):
        return raw
    try:
        return kind(str(raw).strip()) if kind is not int else int(float(str(raw).strip()))
    except ValueError:
        raise KnobError(
            f"{name} must be a {kind.__name__}, got {raw!r}",
            fix=f"fix the flag --{name.replace('_', '-')} or the env var {ENV_VARS[name]}",
        ) from None


def knobs_from(env: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Knobs:
    """Knobs from env vars, then overrides (flags; None means "not given")."""
    values: dict[str, Any] = {}
    for name, var in ENV_VARS.items():
        raw = env.get(var)
        if raw is not None and raw.strip() != "":
            values[name] = _convert(name, raw)
    for name, raw in (overrides or {}).items():
        if raw is not None and name in _TYPES:
            values[name] = _convert(name, raw)
    return Knobs(**values)


HELP: dict[str, str] = {
    "host": "listen address (127.0.0.0/8 in tests)",
    "port": "listen port; 0 picks a free one",
    "model_version": "reported in x-model-version, responses and metrics",
    "model_name": "OIP v2 / OpenAI model name",
    "extra_latency_ms": "service-time deadline from the request line (compute counts towards it)",
    "latency_jitter": "± fraction of the extra latency, uniform",
    "proportional_latency": "extra sleep as a fraction of measured compute time",
    "tail_latency_ms": "added with probability --tail-probability",
    "tail_probability": "fraction of requests that get the tail latency",
    "error_rate": "fraction of inference requests answered with --error-status",
    "error_status": "status for injected errors (429, 500, 502, 503, 504)",
    "first_token_ms": "delay before the first generated token",
    "token_interval_ms": "delay between generated tokens",
    "startup_delay_s": "readiness and inference answer 503 for this long",
    "wrong_output_rate": "fraction of inputs (by hash: always the same ones) given a wrong label",
    "drain_timeout_s": "bound on finishing in-flight requests after SIGTERM",
    "max_concurrency": "inference requests served at once, the rest queue FIFO (KV-cache-like); 0: no limit",
    "max_queue": "requests allowed to wait for a slot; beyond, 503 at once; 0: unbounded",
    "seed": "seeds latency/error draws, the wrong-input hash and generation",
}


def add_knob_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per knob; defaults are None so env vars still apply when a flag is absent."""
    for name, var in ENV_VARS.items():
        kind = _TYPES[name]
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=kind,
            default=None,
            metavar=kind.__name__.upper(),
            help=f"{HELP[name]} (env {var}; default {getattr(Knobs(), name)})",
        )


def with_overrides(knobs: Knobs, **changes: Any) -> Knobs:
    """A copy with some knobs changed, converted and validated like flags."""
    return replace(knobs, **{k: _convert(k, v) for k, v in changes.items()})


def to_env(knobs: Knobs) -> dict[str, str]:
    """Env vars that reproduce these knobs in a child process (or a pod template)."""
    return {var: str(getattr(knobs, name)) for name, var in ENV_VARS.items()}
