"""Keep the report from pinging people: `@name` and `@org/team` lose their mention power.

Free text in the report comes from files a pull request controls (deploy.yaml names, a
locustfile's request names, results uploaded by a fork's run in the workflow_run pattern).
GitHub turns `@someone` in a comment or job summary into a notification, so a PR could make
our bot ping any user or team. A WORD JOINER (U+2060) after the `@` keeps the text readable
and copyable while GitHub no longer sees a mention. Code spans and fenced blocks are left
alone: GitHub never links mentions there, and their text must stay exact.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# A mention as GitHub recognises it: `@` not preceded by a word character (so e-mail addresses
# stay as they are), then a login (alphanumerics and single hyphens, up to 39) or org/team.
_MENTION = re.compile(r"(?<![A-Za-z0-9_`@/.\\])@(?=[A-Za-z0-9])")
_CODE = re.compile(r"(```.*?```|``[^\n]*?``|`[^`\n]*`)", re.S)


def neutralise(markdown: str) -> str:
    """`markdown` with every mention outside code made inert (idempotent)."""
    parts = _CODE.split(markdown)
    return "".join(p if i % 2 else _MENTION.sub("@" + WORD_JOINER, p) for i, p in enumerate(parts))
