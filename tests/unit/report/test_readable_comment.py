"""The PR comment as people read it: one numbering of steps, the reason once, long tables folded."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from ai_deploy_ci.report.inputs import load_results
from ai_deploy_ci.report.render import render_blocks

DATA = Path(__file__).resolve().parents[2] / "data" / "results"


def body(results: Path) -> str:
    return "\n\n".join(b.text for b in render_blocks(load_results(results)))


def test_the_rollback_reason_and_the_progress_table_number_the_failed_step_alike() -> None:
    """The engine says "analysis at step {index + 1}" (pipeline/engine.py `_drive`)."""
    text = body(DATA / "fail")
    said = int(re.search(r"at step (\d+)", text).group(1))  # type: ignore[union-attr]
    [failed_row] = [line for line in text.splitlines() if "❌ failed" in line and line.startswith("|")]
    assert failed_row.split("|")[1].strip() == str(said)
    rollout = json.loads((DATA / "fail" / "rollout.json").read_text())
    failed = next(s for s in rollout["steps"] if s["status"] == "failed")
    assert said == failed["index"] + 1


def test_the_deciding_reason_is_printed_once(tmp_path: Path) -> None:
    results = tmp_path / "r"
    shutil.copytree(DATA / "fail", results)
    text = body(results)
    reason = json.loads((results / "verdict.json").read_text())["reason"]
    first_words = reason.split(" (")[0]
    assert text.count(first_words) == 1, first_words


def test_a_fifty_step_rollout_folds_its_progress_table(tmp_path: Path) -> None:
    results = tmp_path / "r"
    shutil.copytree(DATA / "fail", results)
    rollout: dict[str, Any] = json.loads((results / "rollout.json").read_text())
    template = rollout["steps"][1]
    rollout["steps"] = [{**template, "index": i, "weight": i * 2, "status": "succeeded"} for i in range(49)]
    rollout["steps"].append({**template, "index": 49, "kind": "analysis", "status": "failed",
                             "verdict": "FAIL"})
    (results / "rollout.json").write_text(json.dumps(rollout))
    text = body(results)
    progress = text[text.index("### Strategy progress"):]
    fold = progress.index("<details><summary>50 steps; step 50: ❌ failed (FAIL)</summary>")
    assert fold < progress.index("| 1 |")
    short = body(DATA / "fail")
    assert "<details><summary>5 steps" not in short  # five steps stay open


def test_the_comment_leads_with_a_status_card() -> None:
    from ai_deploy_ci.report.inputs import RenderContext

    blocks = render_blocks(load_results(DATA / "fail"), context=RenderContext(run_url="https://github.com/a/b/actions/runs/1"))
    heading, card = blocks[0].text.split("\n\n")[:2]
    nb = "\u00a0"
    assert heading.startswith("## ❌ Rolled back")
    assert card.splitlines()[2] == (f"| ❌ FAIL | p95 latency +18.4{nb}% "
                                    f"| ⚠️ 3{nb}of{nb}1,204{nb}probes{nb}failed (0.25{nb}%) "
                                    "| [logs](https://github.com/a/b/actions/runs/1) |")
