"""No @mention in our comment or job summary pings anyone; fork-uploaded results say whose they are."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ai_deploy_ci.report.inputs import RenderContext, load_results
from ai_deploy_ci.report.mentions import WORD_JOINER, neutralise
from ai_deploy_ci.report.render import render_blocks

DATA = Path(__file__).resolve().parents[2] / "data" / "results"
MENTION = r"(?<![A-Za-z0-9_`@/.\\])@[A-Za-z0-9]"


@pytest.mark.parametrize("given, expected", [
    ("ping @octocat now", f"ping @{WORD_JOINER}octocat now"),
    ("@acme/oncall", f"@{WORD_JOINER}acme/oncall"),
    ("mail ops@example.com", "mail ops@example.com"),
    ("code `@octocat` stays", "code `@octocat` stays"),
    ("```\n@octocat\n```", "```\n@octocat\n```"),
    (f"@{WORD_JOINER}done", f"@{WORD_JOINER}done"),
], ids=["user", "team", "email", "code-span", "fence", "idempotent"])
def test_neutralise(given: str, expected: str) -> None:
    assert neutralise(given) == expected


def _forged(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    shutil.copytree(DATA / "fail", results)
    verdict = json.loads((results / "verdict.json").read_text())
    verdict["reason"] = "all good, cc @acme/security-team and @octocat"
    (results / "verdict.json").write_text(json.dumps(verdict))
    rollout = json.loads((results / "rollout.json").read_text())
    rollout["name"] = "@everyone"
    (results / "rollout.json").write_text(json.dumps(rollout))
    return results


def test_a_report_built_from_mentions_mentions_nobody(tmp_path: Path) -> None:
    import re

    body = "\n".join(b.text for b in render_blocks(load_results(_forged(tmp_path))))
    outside_code = re.sub(r"`[^`\n]*`", "", body)
    assert not re.findall(MENTION, outside_code), re.findall(r".{20}@[A-Za-z].{10}", outside_code)
    assert "security-team" in body  # still readable


def test_fork_uploaded_results_are_marked_and_their_words_stay_out_of_the_heading(tmp_path: Path) -> None:
    blocks = render_blocks(load_results(_forged(tmp_path)), context=RenderContext(untrusted=True))
    head = blocks[0].text
    heading = head.splitlines()[0]
    assert heading.startswith("## ❌ ") and "everyone" not in heading and "pull request results" in heading
    assert "[!WARNING]" in head and "fork" in head
    assert "Reason (*fork-supplied*): all good" in head and "**all good" not in head
