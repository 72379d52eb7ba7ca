from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ai_deploy_ci.load import samples_io
from tests.unit.load.helpers import make_samples


def row(target: str, t: float, latency: float = 10.0) -> list[object]:
    return [target, t, latency, 1, 200, 5, "", None, 0, [], 0, ""]


def test_merge_keeps_measured_window_sorted_and_rebased(tmp_path: Path) -> None:
    a, b = tmp_path / "samples-1.jsonl.gz", tmp_path / "samples-2.jsonl.gz"
    samples_io.append_rows(a, [row("baseline", 100.0), row("baseline", 103.0)])
    samples_io.append_rows(a, [row("candidate", 101.5)])  # a second gzip member
    samples_io.append_rows(b, [row("candidate", 102.0), row("baseline", 101.0), row("baseline", 111.0)])
    out = tmp_path / "merged.jsonl.gz"
    counts = samples_io.merge_process_files([a, b], out, t0=100.0, warmup=1.0, duration=9.0)
    assert counts == {"baseline": 2, "candidate": 2, "dropped": 2}  # 100.0 warm-up, 111.0 after the end
    got = samples_io.read_samples(out)
    assert got["baseline"].t.tolist() == [0.0, 2.0]
    assert got["candidate"].t.tolist() == [0.5, 1.0]
    header = samples_io.read_header(out)
    assert header["format"] == samples_io.FORMAT and header["t0"] == 101.0


def test_write_read_round_trip(tmp_path: Path) -> None:
    s = make_samples([10.0, 20.0, 30.0], ok=[True, False, True], ttft=[5.0, math.nan, 6.0], tokens=[3, 0, 2],
                     itl=[[1.0, 2.0], [], [3.0]], payload=[0, 1, 2], output=['"a"', "", '"c"'])
    path = tmp_path / "s.jsonl.gz"
    samples_io.write_samples(path, {"baseline": s, "candidate": make_samples([1.0])})
    back = samples_io.read_samples(path)
    b = back["baseline"]
    assert b.latency_ms.tolist() == [10.0, 20.0, 30.0]
    assert b.ok.tolist() == [True, False, True]
    assert b.error == ["", "http-503", ""]
    assert np.isnan(b.ttft_ms[1]) and b.ttft_ms[0] == 5.0
    assert b.itl_ms.tolist() == [1.0, 2.0, 3.0] and b.itl_offsets.tolist() == [0, 2, 2, 3]
    assert b.output == ['"a"', "", '"c"'] and b.payload.tolist() == [0, 1, 2]
    assert len(back["candidate"]) == 1


def test_missing_target_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.gz"
    samples_io.write_samples(path, {"baseline": make_samples([1.0])})
    assert len(samples_io.read_samples(path)["candidate"]) == 0
