"""Step outputs through `$GITHUB_OUTPUT`.

Multi-line outputs use the heredoc form with a random delimiter that is checked not to occur
in the value: a fixed `EOF` would let a value (a metric name, a reason) end the block early
and inject further outputs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def format_output(name: str, value: str, *, token: Callable[[], str] = lambda: secrets.token_hex(16)) -> str:
    """One `name=value` or heredoc entry, ending with a newline."""
    if not _NAME.match(name):
        raise ValueError(f"invalid output name {name!r}")
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    for _ in range(10):
        delimiter = f"ghadelimiter_{token()}"
        if delimiter not in value:
            return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
    raise ValueError("could not find a delimiter absent from the value")


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    with path.open("a", encoding="utf-8") as f:
        for name, value in outputs.items():
            f.write(format_output(name, value))
