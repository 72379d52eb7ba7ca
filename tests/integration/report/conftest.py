"""Fixtures the report's integration tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "results"


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A failed run's results (a rollback), in a directory the test may change."""
    d = tmp_path / "results"
    shutil.copytree(DATA / "fail", d)
    return d
