"""Samples that Locust workers produced vs samples that reached the master, and what a gap means.

In multi-process and distributed runs every worker sends its batch frames to the master over
Locust's own messaging (`adc_samples`), numbered, with its running count of requests produced;
its stats reports carry the same count. The master appends each frame to one file per worker
and records, per worker, what it was told was produced and what arrived (`Ledger`). A worker
that never sent its final frame (killed, evicted, cut off) or whose delivered rows fall short
of what it reported produced leaves the run incomplete: the judge would see a biased subset,
so the gate is INCONCLUSIVE with the reason (`incomplete_reason`, `apply`). Pure: no Locust.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ai_deploy_ci.artifacts import VerdictFile


@dataclass
class WorkerLedger:
    produced: int = 0  # the most the worker said it had produced (reports and frames)
    delivered: int = 0  # rows of the frames that arrived
    frames: int = 0
    missing_frames: int = 0  # sequence numbers skipped
    final: bool = False  # the worker's last frame (sent when its test stopped) arrived
    saturated: bool = False
    max_cpu: float = 0.0
    dropped_arrivals: int = 0
    started: float | None = None
    next_seq: int = 0


@dataclass
class Ledger:
    workers: dict[str, WorkerLedger] = field(default_factory=dict)

    def reported(self, worker: str, produced: int) -> None:
        w = self.workers.setdefault(worker, WorkerLedger())
        w.produced = max(w.produced, int(produced))

    def received(self, worker: str, data: Mapping[str, Any]) -> None:
        """One `adc_samples` message (its frame already stored by the caller)."""
        w = self.workers.setdefault(worker, WorkerLedger())
        seq = int(data.get("seq", w.next_seq))
        w.missing_frames += max(0, seq - w.next_seq)
        w.next_seq = max(w.next_seq, seq + 1)
        w.frames += 1
        w.delivered += int(data.get("rows", 0))
        w.produced = max(w.produced, int(data.get("produced", 0)))
        w.final = w.final or bool(data.get("final"))
        w.saturated = w.saturated or bool(data.get("saturated"))
        w.max_cpu = max(w.max_cpu, float(data.get("max_cpu") or 0.0))
        w.dropped_arrivals = max(w.dropped_arrivals, int(data.get("dropped_arrivals") or 0))
        if w.started is None and data.get("started") is not None:
            w.started = float(data["started"])

    def metas(self) -> list[dict[str, Any]]:
        """One meta record per worker, in the shape of the per-process meta files."""
        out = []
        for name, w in sorted(self.workers.items()):
            record = asdict(w)
            record.pop("next_seq")
            out.append({"role": "worker", "worker": name, "rows": w.delivered, **record})
        return out


def delivery(meta: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int | bool]]:
    """summary.json's `delivery`: per worker, produced / delivered / final."""
    return {str(m["worker"]): {"produced": int(m.get("produced", 0)), "delivered": int(m.get("delivered", 0)),
                               "final": bool(m.get("final"))}
            for m in meta if m.get("role") == "worker" and "worker" in m}


def incomplete_reason(meta: Sequence[Mapping[str, Any]], expected_workers: int = 0) -> str | None:
    """Why the samples are incomplete, or None when every worker delivered all it produced.

    >>> w = {"role": "worker", "worker": "w1", "produced": 10, "delivered": 10, "final": True}
    >>> incomplete_reason([w])
    >>> incomplete_reason([{**w, "delivered": 7}])
    'samples lost: worker w1 produced 10 requests and delivered 7'
    """
    workers = delivery(meta)
    problems = []
    for name, d in workers.items():
        if not d["final"]:
            problems.append(f"worker {name} stopped before the end of the run (delivered {d['delivered']} "
                            f"of at least {d['produced']} requests)")
        elif int(d["delivered"]) < int(d["produced"]):
            problems.append(f"worker {name} produced {d['produced']} requests and delivered {d['delivered']}")
    if expected_workers and len(workers) < expected_workers:
        problems.append(f"{expected_workers - len(workers)} of {expected_workers} workers never sent samples")
    return "samples lost: " + "; ".join(problems) if problems else None


def apply(verdict: VerdictFile, summary: Mapping[str, Any]) -> VerdictFile:
    """An incomplete run cannot PASS: PASS becomes INCONCLUSIVE with the reason (an INCONCLUSIVE
    one gets the reason added). FAIL stays FAIL: the requests that did arrive show the regression."""
    reason = summary.get("incomplete")
    if reason and verdict["verdict"] == "INCONCLUSIVE":
        verdict["reason"] = f"{verdict['reason']}; also {reason}"
    elif reason and verdict["verdict"] == "PASS":
        verdict["verdict"] = "INCONCLUSIVE"
        verdict["reason"] = f"{reason}; judged on the samples that arrived, the run would pass, but a " \
                            "missing worker's requests can hide a regression: run again"
    return verdict
