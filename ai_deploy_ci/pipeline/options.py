"""How a run is driven (`Options`) and what it returns (`Result`): shared by the engine and the
records of runs that never started."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai_deploy_ci.plan import records


@dataclass
class Options:
    results_dir: Path = Path("results")
    time_scale: float = 1.0  # cluster seconds per wall second (the local API server's scaled clock)
    lock_seconds: int = 30
    poll: float = 0.2
    dry_run: bool = False
    manifest: dict[str, Any] | None = None  # the user's Deployment, already read
    on_event: Callable[[str], None] = print
    deadline_slack: float = 120.0  # wall seconds past a step's budget before a silent run is abandoned


@dataclass
class Result:
    record: records.RolloutRecord
    warnings: list[str] = field(default_factory=list)
