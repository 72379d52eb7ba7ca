"""What a user's outcome must be, as assertions over a `Shipped` case (see `cases.ship`)."""

from __future__ import annotations

from typing import Any

from tests.e2e.matrix.cases import Shipped
from tests.e2e.matrix.users import Answer, failures

TOLERANCE = 20.0  # percentage points: > 3 standard deviations of a 60-request sample


def share(counts: Any, version: str = "v2") -> float:
    total = sum(counts.values())
    return 100.0 * counts.get(version, 0) / total if total else float("nan")


def users_got_the_planned_share(s: Shipped) -> None:
    """Each gate: the candidate's share of plain users within TOLERANCE of the plan; A/B: 0 % of
    plain users and 100 % of matching ones; shadow: 0 % of users, and copies did reach it."""
    assert s.steps, "the example has gates: each must have been measured"
    kind = s.spec.strategy.type
    for m in s.steps:
        assert m.public.get("failed", 0) == 0, f"step {m.step}: users got failures {dict(m.public)}"
        got = share(m.public)
        if kind in ("abTest", "shadow"):
            assert got == 0.0, f"step {m.step}: {got:.0f} % of non-matching users reached the candidate"
        else:
            assert abs(got - m.planned) <= TOLERANCE, (
                f"step {m.step}: users got {got:.0f} % from the candidate, the plan says "
                f"{m.planned:g} % ({dict(m.public)})")
        if kind == "abTest":
            assert m.matching is not None and share(m.matching) == 100.0, f"step {m.step}: {m.matching}"
    if kind == "shadow":
        assert s.mirrored > 0, "no mirrored copy reached the candidate"


def no_user_request_failed(s: Shipped) -> None:
    """Zero failures, except recreate's documented gap: one contiguous outage per pod replacement
    (the update; a rollback replaces them once more)."""
    failed = failures(s.background)
    assert s.background, "the background user sent nothing"
    if s.spec.strategy.type != "recreate":
        assert not failed, f"{len(failed)} of {len(s.background)} user requests failed: {failed[:3]}"
        return
    allowed = 1 if s.outcome == "promoted" else 2
    assert _gaps(s.background) <= allowed, f"recreate: failures outside the {allowed} documented gap(s)"


def _gaps(answers: list[Answer]) -> int:
    """Runs of consecutive failed requests."""
    flags = [a.ok for a in answers]
    return sum(1 for i, ok in enumerate(flags) if not ok and (i == 0 or flags[i - 1]))


def stable_runs_the_candidate(s: Shipped) -> None:
    name = s.spec.metadata.name
    stable = s.after[f"Deployment/{name}"]
    env = {e["name"]: e.get("value") for c in stable["spec"]["template"]["spec"]["containers"]
           for e in c.get("env") or []}
    assert env.get("MODEL_VERSION") == "v2", f"stable's template runs {env.get('MODEL_VERSION')}"
    assert f"Deployment/{name}-candidate" not in s.after, "the candidate was left behind"


def namespace_restored(s: Shipped) -> None:
    """Rolled back: every object as before the run, user-owned ones and annotations included."""
    assert sorted(s.after) == sorted(s.before), (
        f"objects left or missing: +{sorted(set(s.after) - set(s.before))} "
        f"-{sorted(set(s.before) - set(s.after))}")
    for key, obj in s.before.items():
        assert s.after[key] == obj, f"{key} differs from the pre-run dump: {_diff(obj, s.after[key])}"


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(set(a) | set(b)) for p in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} → {b!r}"]
