"""The job summary: `$GITHUB_STEP_SUMMARY`, capped at 1 MiB per step.

The cap counts what earlier commands of the same step already appended, so the report trims
itself (whole blocks only) to what is left rather than having the runner refuse the file.
"""

from __future__ import annotations

from pathlib import Path

from ai_deploy_ci.report.trim import SUMMARY_LIMIT, Block, trim, utf8_bytes


def append_summary(path: Path, blocks: list[Block], *, limit: int = SUMMARY_LIMIT) -> str:
    """Append the report within what is left of `limit` bytes; returns the text written."""
    used = path.stat().st_size if path.exists() else 0
    text, _ = trim(blocks, max(0, limit - used - 1), measure=utf8_bytes)
    with path.open("a", encoding="utf-8") as f:
        f.write(("\n" if used else "") + text)
    return text
