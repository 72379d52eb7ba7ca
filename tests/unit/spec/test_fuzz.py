"""Thousands of mutated deploy.yaml files: never a traceback, always located problems, and a
document that validates always converts to a Spec."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_deploy_ci.cli import main
from ai_deploy_ci.spec.convert import to_spec
from ai_deploy_ci.spec.load import check_document, validate_text

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
TEXTS = [p.read_text() for p in EXAMPLES]
DATA = [yaml.safe_load(t) for t in TEXTS]
BASE_DIR = ROOT / "examples"

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["30s", "1h30m", "0", "-1", "100%", "canary", "istio", "", "ḃad"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


def mutate(doc: Any, data: st.DataObject) -> Any:
    """One edit at a random place: delete, rename, replace with garbage, duplicate or wrap."""
    targets = [p for p in paths(doc) if p]
    if not targets:
        return data.draw(garbage)
    path = data.draw(st.sampled_from(targets))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    op = data.draw(st.sampled_from(["delete", "rename", "garbage", "wrap", "swap-type", "copy-sibling"]))
    if op == "delete":
        del parent[last]
    elif op == "rename" and isinstance(parent, dict):
        new = data.draw(
            st.one_of(
                st.text(min_size=1, max_size=12),
                st.sampled_from([str(last)[:-1], str(last).upper(), str(last) + "s", "on", "yes", "<<"]),
            )
        )
        parent[new] = parent.pop(last)
    elif op == "wrap":
        parent[last] = [parent[last]]
    elif op == "swap-type":
        value = parent[last]
        parent[last] = (
            str(value) if not isinstance(value, str) else (int(value) if value.isdigit() else {value: 1})
        )
    elif op == "copy-sibling" and isinstance(parent, dict) and parent:
        parent[last] = copy.deepcopy(parent[data.draw(st.sampled_from(sorted(parent, key=str)))])
    else:
        parent[last] = data.draw(garbage)
    return doc


def check(text: str) -> None:
    doc, raw = check_document(text, BASE_DIR)
    for p in raw:
        assert p.line >= 1 and p.col >= 1 and p.message and p.severity in ("error", "warning"), p
    if not any(p.severity == "error" for p in raw):
        assert isinstance(doc.data, dict)
        to_spec(doc.data, doc)  # validated documents always convert: no KeyError/TypeError downstream


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_structural_mutations_never_crash(data: st.DataObject) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(DATA)))
    for _ in range(data.draw(st.integers(1, 4))):
        doc = mutate(doc, data)
    check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_text_mutations_never_crash(data: st.DataObject) -> None:
    """Byte-level damage: syntax errors, tabs, stray quotes, truncation."""
    text = data.draw(st.sampled_from(TEXTS))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(
            st.one_of(
                st.sampled_from(
                    [
                        "\t",
                        ":",
                        "- ",
                        "{",
                        "]",
                        "'",
                        '"',
                        "&a ",
                        "*a",
                        "\n  ",
                        "!!binary ",
                        "? ",
                        "\x00",
                        "---\n",
                        "%YAML 1.1\n",
                    ]
                ),
                st.text(max_size=4),
            )
        )
        cut = data.draw(st.integers(0, 5))
        text = text[:at] + junk + text[at + cut :]
    problems = validate_text(text, "fuzz.yaml", BASE_DIR)
    assert all(p.line >= 1 and p.col >= 1 for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_cli_in_process_exit_codes(data: st.DataObject) -> None:
    doc = mutate(copy.deepcopy(data.draw(st.sampled_from(DATA))), data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deploy.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        assert main(["validate", "--format", "json", str(path)]) in (0, 1)


@pytest.mark.parametrize("seed", range(4))
def test_cli_subprocess_never_tracebacks(seed: int, tmp_path: Path) -> None:
    texts = [t.replace("  ", "\t", seed) for t in TEXTS[seed::4]] + [TEXTS[seed][: 100 * (seed + 1)]]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"{i}.yaml")
        files[-1].write_text(text)
    files.append(tmp_path / "binary.yaml")
    files[-1].write_bytes(b"\xff\xfe\x00garbage")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AI_DEPLOY_CI_DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "ai_deploy_ci", "validate", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr  # the binary file is unreadable input
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "binary.yaml: not UTF-8" in proc.stderr
