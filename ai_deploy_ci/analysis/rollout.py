"""One test per metric for a whole rollout: the per-block differences of earlier gates, carried.

Why: a fresh test per gate spends α at every gate (three gates at a +10 % candidate: 7 % FAIL
instead of 5 %) and throws away what earlier gates measured about the same pair of
deployments. The gates of one run judge the same baseline against the same candidate, so
their blocks form one series; `betting.crossings` runs on the concatenation, with the gate
boundaries as `starts` (the FAIL side gives every gate a fresh share of the one budget).

A gate's blocks are added (`commit`) once the gate has ended; while it runs, the judge reads
the earlier gates' blocks and the current gate's blocks so far. The record is JSON
(`rollout-tests.json` next to the gates' results), so a resumed run carries it on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ai_deploy_ci.analysis.blocks import FloatArray

FILE = "rollout-tests.json"


@dataclass
class Series:
    """One metric's per-block differences over the rollout's finished gates."""

    x: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # index in x where each finished gate began


@dataclass
class RolloutTests:
    """The carried series per metric test (key: metric name + margin label)."""

    series: dict[str, Series] = field(default_factory=dict)
    pending: dict[str, list[float]] = field(default_factory=dict)  # this gate's blocks so far
    gates: int = 0
    limits: dict[str, tuple[float, bool]] = field(default_factory=dict)  # margin, relative? (reports)

    def joined(self, key: str, gate_x: FloatArray) -> tuple[FloatArray, list[int], int]:
        """(earlier gates' blocks + this gate's, gate start indices, where this gate starts);
        remembers `gate_x` as this gate's blocks for `commit`."""
        prev = self.series.get(key, Series())
        self.pending[key] = [float(v) for v in gate_x]
        here = len(prev.x)
        full = np.concatenate([np.asarray(prev.x, dtype=np.float64), np.asarray(gate_x, dtype=np.float64)])
        return full, [*prev.starts, here], here

    def commit(self) -> None:
        """The gate ended: its blocks become part of the rollout's series."""
        for key, xs in self.pending.items():
            s = self.series.setdefault(key, Series())
            s.starts.append(len(s.x))
            s.x.extend(v for v in xs if math.isfinite(v))
        self.pending = {}
        self.gates += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "gates": self.gates,
            "series": {k: {"x": s.x, "starts": s.starts} for k, s in self.series.items()},
            "limits": {k: list(v) for k, v in self.limits.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RolloutTests:
        series = {
            str(k): Series([float(v) for v in d.get("x", [])], [int(v) for v in d.get("starts", [])])
            for k, d in (data.get("series") or {}).items()
        }
        limits = {str(k): (float(v[0]), bool(v[1])) for k, v in (data.get("limits") or {}).items()}
        return cls(series=series, gates=int(data.get("gates", 0)), limits=limits)

    def save(self, directory: Path) -> None:
        (directory / FILE).write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> RolloutTests:
        path = directory / FILE
        if not path.exists():
            return cls()
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
