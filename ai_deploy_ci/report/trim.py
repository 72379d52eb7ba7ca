"""Fit a report into GitHub's limits by dropping whole blocks, never cutting one.

A comment is at most 65,536 characters and a step summary at most 1 MiB. A half table or an
unclosed `<details>` renders as garbage, so the document is a list of blocks and only whole
blocks go: detail blocks first (highest `drop_rank` first), then, if the essentials alone are
still too long, trailing essential blocks, each loss announced in a closing note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

COMMENT_LIMIT = 65_536  # characters (GitHub's issue comment body limit)
SUMMARY_LIMIT = 1_048_576  # bytes ($GITHUB_STEP_SUMMARY per step)

SEPARATOR = "\n\n"
TRIM_NOTE = (
    "_Some sections were left out to fit GitHub's size limit for this view; "
    "the job summary and the report artifact have everything._"
)
HARD_NOTE = "_The report is too large for this view; see the job summary and the report artifact._"


@dataclass(frozen=True)
class Block:
    """One self-contained piece of Markdown (a heading with its table, a details section…).

    `drop_rank` 0 means essential; detail blocks have ranks ≥ 1 and the highest goes first.
    """

    text: str
    drop_rank: int = 0
    name: str = ""


def chars(s: str) -> int:
    return len(s)


def utf8_bytes(s: str) -> int:
    return len(s.encode("utf-8"))


def join(blocks: Sequence[Block]) -> str:
    return SEPARATOR.join(b.text.strip("\n") for b in blocks if b.text.strip()) + "\n"


def trim(
    blocks: Sequence[Block],
    limit: int,
    *,
    measure: Callable[[str], int] = chars,
    prefix: str = "",
) -> tuple[str, list[str]]:
    """The joined document (after `prefix`, e.g. a hidden marker) within `limit`.

    Returns the text and the names of the dropped blocks. `limit` counts the prefix too.
    """
    kept = [b for b in blocks if b.text.strip()]
    dropped: list[str] = []

    def size(bs: Sequence[Block], note: str | None) -> int:
        tail = [*bs, Block(note)] if note else list(bs)
        return measure(prefix + join(tail))

    if size(kept, None) <= limit:
        return prefix + join(kept), dropped
    order = sorted((b for b in kept if b.drop_rank > 0), key=lambda b: -b.drop_rank)
    for victim in order:
        kept.remove(victim)
        dropped.append(victim.name or victim.text.split("\n", 1)[0][:40])
        if size(kept, TRIM_NOTE) <= limit:
            return prefix + join([*kept, Block(TRIM_NOTE)]), dropped
    while kept and size(kept, HARD_NOTE) > limit:
        victim = kept.pop()
        dropped.append(victim.name or victim.text.split("\n", 1)[0][:40])
    result = prefix + join([*kept, Block(HARD_NOTE)])
    if measure(result) > limit:  # even the note does not fit: only a limit below ~200 gets here
        result = prefix + HARD_NOTE[: max(0, limit - measure(prefix) - 1)] + "\n"
    return result, dropped
