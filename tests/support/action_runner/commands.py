"""The runner's two command channels: environment files and `::` workflow commands in stdout.

File commands ($GITHUB_OUTPUT, $GITHUB_ENV) are `name=value` lines or `name<<DELIM` heredocs;
a heredoc without its closing delimiter fails the step, as on GitHub, because a truncated
multi-line value must never be read as a complete one. Workflow commands carry annotations
and masks; masking applies to every later line the runner captures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class FileCommandError(ValueError):
    """A malformed environment file: the step fails."""


def parse_file_command(text: str, what: str = "file") -> dict[str, str]:
    values: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if heredoc > 0 and (eq < 0 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not name or not delimiter:
                raise FileCommandError(f"invalid {what} line {line!r}")
            body: list[str] = []
            while True:
                if i >= len(lines):
                    raise FileCommandError(f"{what}: matching delimiter {delimiter!r} not found for {name!r}")
                if lines[i] == delimiter:
                    i += 1
                    break
                body.append(lines[i])
                i += 1
            values[name] = "\n".join(body)
        elif eq > 0:
            values[line[:eq]] = line[eq + 1 :]
        else:
            raise FileCommandError(f"invalid {what} line {line!r} (expected name=value or name<<DELIMITER)")
    return values


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@dataclass(frozen=True)
class Annotation:
    level: str  # error, warning, notice
    message: str
    step: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    title: str | None = None


_COMMAND = re.compile(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$")
MAX_ANNOTATIONS_PER_STEP = 10  # GitHub shows at most 10 errors (and 10 warnings) per step


@dataclass(frozen=True)
class WorkflowCommand:
    name: str
    props: dict[str, str]
    message: str


def parse_workflow_command(line: str) -> WorkflowCommand | None:
    m = _COMMAND.match(line.rstrip("\r\n"))
    if not m:
        return None
    props: dict[str, str] = {}
    for part in (m.group(2) or "").split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            props[key.strip()] = unescape_property(value)
    return WorkflowCommand(m.group(1), props, unescape_data(m.group(3)))


def annotation_from(cmd: WorkflowCommand, step: str) -> Annotation:
    def num(key: str) -> int | None:
        raw = cmd.props.get(key)
        return int(raw) if raw and raw.isdigit() else None

    return Annotation(cmd.name, cmd.message, step, cmd.props.get("file"), num("line"),
                      num("col"), cmd.props.get("title"))


class Masker:
    """Replaces registered secrets with `***`; a multi-line secret is masked line by line."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        for part in [secret, *secret.splitlines()]:
            part = part.strip()
            if part:
                self._secrets.add(part)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
