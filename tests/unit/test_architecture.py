"""The architecture contracts in `.importlinter` hold, and they would catch a breach.

`lint-imports` builds the import graph of the installed package (imports inside functions
count), so a lazy `import kubernetes` in a pure package fails here too.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

import ai_deploy_ci

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# Top-level modules allowed to import kubernetes directly (all others are listed in the contract).
KUBERNETES_ALLOWED = {"ai_deploy_ci.cluster", "ai_deploy_ci.local"}


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read(CONFIG, encoding="utf-8")
    return parser


def test_import_contracts_are_kept() -> None:
    done = lint_imports(CONFIG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


def test_every_top_level_module_is_bound_by_the_kubernetes_contract() -> None:
    """A new top-level package is covered by the contract, or knowingly allowed here."""
    package = Path(next(iter(ai_deploy_ci.__path__)))
    found = {
        f"ai_deploy_ci.{p.stem if p.suffix == '.py' else p.name}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    listed = set(contracts()["importlinter:contract:kubernetes-in-cluster"]["source_modules"].split())
    assert found - KUBERNETES_ALLOWED == listed


@pytest.mark.parametrize(
    ("contract", "ignored", "breach"),
    [
        ("pure-packages", "ai_deploy_ci.analysis.sources.prometheus -> requests", "requests"),
        ("kubernetes-in-cluster", "ai_deploy_ci.load.distributed -> kubernetes", "kubernetes"),
    ],
)
def test_contracts_catch_the_imports_they_ignore(
    contract: str, ignored: str, breach: str, tmp_path: Path
) -> None:
    """Without its ignore entry, each known exception breaks its contract: the checks have teeth."""
    parser = contracts()
    section = f"importlinter:contract:{contract}"
    kept = [line for line in parser[section]["ignore_imports"].splitlines() if line.strip() != ignored]
    parser[section]["ignore_imports"] = "\n".join(kept)
    config = tmp_path / "importlinter.ini"
    with config.open("w", encoding="utf-8") as fh:
        parser.write(fh)
    done = lint_imports(config)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and f"{ignored.split(' -> ')[0]} -> {breach}" in done.stdout, done.stdout


def test_layer_map_names_modules_that_exist() -> None:
    """docs/design/layers.md names real modules: a rename that forgets the map fails here."""
    import importlib.util
    import re

    text = (ROOT / "docs" / "design" / "layers.md").read_text(encoding="utf-8")
    names = set(re.findall(r"`(ai_deploy_ci(?:\.[a-z_]+)+)`", text))
    assert len(names) >= 15
    missing = sorted(n for n in names if importlib.util.find_spec(n) is None)
    assert not missing, f"docs/design/layers.md names modules that do not exist: {missing}"
    layers = contracts()["importlinter:contract:layers"]["layers"]
    listed = {m.strip() for line in layers.split("\n") for m in re.split(r"[:|]", line) if m.strip()}
    assert listed <= names, f"layers in .importlinter missing from the map: {sorted(listed - names)}"


def test_layers_contract_has_teeth(tmp_path: Path) -> None:
    """Put the engine below the cluster code it drives: the layers contract must break, naming
    the import that crosses (pipeline.engine → cluster)."""
    parser = contracts()
    section = "importlinter:contract:layers"
    lines = [line for line in parser[section]["layers"].splitlines() if line.strip()]
    upper = next(i for i, line in enumerate(lines) if line.strip() == "ai_deploy_ci.pipeline")
    lines[upper], lines[upper + 1] = lines[upper + 1], lines[upper]
    parser[section]["layers"] = "\n" + "\n".join(lines)
    config = tmp_path / "importlinter.ini"
    with config.open("w", encoding="utf-8") as fh:
        parser.write(fh)
    done = lint_imports(config)
    assert done.returncode != 0
    assert "ai_deploy_ci.pipeline is not allowed to import ai_deploy_ci.cluster" in done.stdout, done.stdout
