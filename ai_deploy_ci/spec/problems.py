"""A located problem in a deploy.yaml, and how it is printed.

Every check (YAML reader, schema, semantic rules, lint) produces the same `Problem`, so the
CLI, the GitHub annotations and `load_spec` print them one way.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

from ai_deploy_ci.errors import Location, annotation

Severity = Literal["error", "warning"]
PathPart = str | int
Path = tuple[PathPart, ...]

MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error (and 10 warning) annotations per step
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Problem:
    severity: Severity
    file: str
    line: int  # 1-based
    col: int  # 1-based
    path: str  # JSONPath-like: $.strategy.canary.steps[2].setWeight
    message: str
    fix: str | None = None

    def render(self) -> str:
        """`file:line:col: error: path: message (fix: …)`, the format compilers use, so editors link it."""
        hint = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.path}: {self.message}{hint}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def json_path(path: Path) -> str:
    """`('server', 'nodeSelector', 'nvidia.com/gpu')` → `$.server.nodeSelector['nvidia.com/gpu']`."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += "['" + part.replace("'", "\\'") + "']"
    return out


def sort_key(problem: Problem) -> tuple[str, int, int, int, str]:
    """Errors before warnings at the same place; otherwise file order."""
    return (problem.file, problem.line, problem.col, problem.severity != "error", problem.message)


def github_annotations(problems: list[Problem], title: str = "ai-deploy-ci validate") -> list[str]:
    """`::error file=…,line=…,col=…::` lines, the first ten per level, then a notice with the rest."""
    out = []
    for level in ("error", "warning"):
        chosen = [p for p in problems if p.severity == level]
        for p in chosen[:MAX_ANNOTATIONS]:
            text = f"{p.path}: {p.message}" + (f" — fix: {p.fix}" if p.fix else "")
            out.append(annotation(level, text, Location(p.file, p.line, p.col), title=title))
        if len(chosen) > MAX_ANNOTATIONS:
            out.append(annotation("notice", f"{len(chosen) - MAX_ANNOTATIONS} more {level}s: see the log"))
    return out
