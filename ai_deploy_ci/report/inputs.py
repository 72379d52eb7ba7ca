"""What the report renders from: the results directory's JSON files and the run's links.

The report runs `if: always()`, often after something failed, so every file may be missing,
unreadable or written by an older producer with fields absent. Loading never raises: a
problem becomes a note in the report instead of a crash that hides the other results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai_deploy_ci.artifacts import (
    LOCUST_HTML,
    ROLLOUT_FILE,
    SAMPLES_FILE,
    SUMMARY_FILE,
    VERDICT_FILE,
)

JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class RenderContext:
    """Links and labels that come from the CI run, not from the results files.

    Kept out of the results so the same directory renders identically in tests (golden
    files) and differently only where the run really differs.
    """

    run_url: str | None = None  # https://github.com/o/r/actions/runs/123
    artifact_url: str | None = None  # where samples and the Locust report can be downloaded
    title: str | None = None  # overrides "<name> <version>"
    target: str = "staging"  # deploy target: one sticky comment per PR and target
    commit: str | None = None
    repository: str | None = None
    server_url: str = "https://github.com"
    # the results were uploaded by another, untrusted run (the workflow_run pattern for forks)
    untrusted: bool = False


@dataclass(frozen=True)
class Gate:
    """One analysis gate's files (`gates/<n>/summary.json`, `verdict.json`)."""

    name: str
    summary: JsonObject | None
    verdict: JsonObject | None


@dataclass(frozen=True)
class Results:
    """The parsed files; None where a file was absent or unreadable."""

    directory: Path
    summary: JsonObject | None = None
    verdict: JsonObject | None = None
    rollout: JsonObject | None = None
    problems: tuple[str, ...] = ()  # human-readable: "verdict.json: not valid JSON (line 3)"
    files: tuple[str, ...] = field(default=())  # artifact files present (samples, Locust HTML)
    gates: tuple[Gate, ...] = ()  # per-gate results in gate order, when the run had several

    @property
    def empty(self) -> bool:
        return self.summary is None and self.verdict is None and self.rollout is None


def _read_json(path: Path) -> tuple[JsonObject | None, str | None]:
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"`{path.name}`: unreadable ({type(exc).__name__})"
    except json.JSONDecodeError as exc:
        return None, f"`{path.name}`: not valid JSON (line {exc.lineno})"
    if not isinstance(data, dict):
        return None, f"`{path.name}`: expected a JSON object"
    return data, None


def load_results(directory: Path) -> Results:
    """Read whatever the earlier steps managed to write into `directory`."""
    parsed: dict[str, JsonObject | None] = {}
    problems: list[str] = []
    for name in (SUMMARY_FILE, VERDICT_FILE, ROLLOUT_FILE):
        data, problem = _read_json(directory / name)
        parsed[name] = data
        if problem:
            problems.append(problem)
    files = tuple(n for n in (SAMPLES_FILE, LOCUST_HTML) if (directory / n).is_file())
    gates = _gates(directory, problems)
    summary, verdict = parsed[SUMMARY_FILE], parsed[VERDICT_FILE]
    if gates and summary is None and verdict is None:  # a multi-gate run: the last gate decided
        summary, verdict = gates[-1].summary, gates[-1].verdict
    return Results(
        directory=directory,
        summary=summary,
        verdict=verdict,
        rollout=parsed[ROLLOUT_FILE],
        problems=tuple(problems),
        files=files,
        gates=gates,
    )


def _gates(directory: Path, problems: list[str]) -> tuple[Gate, ...]:
    root = directory / "gates"
    if not root.is_dir():
        return ()
    found = []
    for sub in sorted(
        root.iterdir(), key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name)
    ):
        if not sub.is_dir():
            continue
        summary, p1 = _read_json(sub / SUMMARY_FILE)
        verdict, p2 = _read_json(sub / VERDICT_FILE)
        problems.extend(f"gate {sub.name}: {p}" for p in (p1, p2) if p)
        if summary is not None or verdict is not None:
            found.append(Gate(sub.name, summary, verdict))
    return tuple(found)


def get(obj: JsonObject | None, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """`obj[key]` if present and of the expected type, else `default`.

    Producers are written in parallel against TypedDicts nobody enforces at runtime; a field
    of the wrong type is treated like an absent one rather than crashing the renderer.
    """
    if obj is None:
        return default
    value = obj.get(key)
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        return default
    return value if isinstance(value, kind) else default


def number(obj: JsonObject | None, key: str) -> float | None:
    """A finite number field, or None."""
    value = get(obj, key, (int, float))
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(value)


def objects(value: Any) -> list[JsonObject]:
    """The dict items of a list (anything else dropped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
