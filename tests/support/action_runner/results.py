"""What a run of an action or a job leaves behind, for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.action_runner.commands import Annotation


class ActionRunnerError(RuntimeError):
    """The runner cannot run this (unsupported action, malformed file): never a silent pass."""


@dataclass
class StepResult:
    """One step, named `parent/child` when it ran inside a composite action."""

    name: str
    id: str | None
    outcome: str  # success, failure, skipped, cancelled
    conclusion: str  # outcome, except failure under continue-on-error → success
    outputs: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    error: str | None = None
    log: list[str] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return {"outputs": dict(self.outputs), "outcome": self.outcome, "conclusion": self.conclusion}


@dataclass
class RunResult:
    """The outcome of `run_action` / `run_job`: outputs, every step, logs, annotations, summary."""

    outcome: str
    outputs: dict[str, str]
    steps: list[StepResult]
    log: list[str]
    annotations: list[Annotation]
    summary: str
    env: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    def step(self, key: str) -> StepResult:
        """A step by id or name (the last one wins when a composite ran twice)."""
        for step in reversed(self.steps):
            if key in (step.id, step.name) or step.name.endswith("/" + key):
                return step
        raise KeyError(f"no step {key!r}; steps: {[s.name for s in self.steps]}")

    @property
    def text(self) -> str:
        return "\n".join(self.log)

    def errors(self) -> list[str]:
        return [a.message for a in self.annotations if a.level == "error"]
