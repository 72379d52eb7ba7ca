"""Sample files: per-process frames → merged columnar file → tables; version 1 still reads."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ai_deploy_ci.load import capture, frames, merge, samples_io
from ai_deploy_ci.load.samples_legacy import write_samples_v1
from tests.unit.load.helpers import make_samples


def row(target: str, t: float, latency: float = 10.0, *, output: str = "", itl: tuple[float, ...] = (),
        error: str = "") -> list[object]:
    return [target, t, latency, 0 if error else 1, 503 if error else 200, 5, error, 4.0 if itl else None,
            len(itl) + (1 if itl else 0), list(itl), 0, output]


def merged(tmp_path: Path, batches: dict[str, list[list[list[object]]]], **kw: float) -> merge.Merged:
    for name, rows_per_flush in batches.items():
        for rows in rows_per_flush:
            capture.append_rows(tmp_path / name, rows)
    args = {"t0": 100.0, "warmup": 1.0, "duration": 9.0, **kw}
    m = merge.merge(sorted(tmp_path.glob("samples-*")), t0=args["t0"], warmup=args["warmup"],
                    duration=args["duration"])
    assert m is not None
    return m


def test_merge_keeps_measured_window_sorted_and_rebased(tmp_path: Path) -> None:
    m = merged(tmp_path, {
        "samples-1.frames": [[row("baseline", 100.0), row("baseline", 103.0)], [row("candidate", 101.5)]],
        "samples-2.frames": [[row("candidate", 102.0), row("baseline", 101.0), row("baseline", 111.0)]],
    })
    assert m.counts == {"baseline": 2, "candidate": 2, "dropped": 2}  # 100.0 warm-up, 111.0 after the end
    assert m.tables["baseline"].t.tolist() == [0.0, 2.0]
    assert m.tables["candidate"].t.tolist() == [0.5, 1.0]
    out = tmp_path / "samples.frames"
    merge.write(m, out, duration=9.0)
    header = samples_io.read_header(out)
    assert header["format"] == samples_io.FORMAT and header["t0"] == 101.0 and header["dropped"] == 2
    back = samples_io.read_samples(out)
    assert back["baseline"].t.tolist() == [0.0, 2.0] and back["candidate"].t.tolist() == [0.5, 1.0]


def test_gaps_errors_and_outputs_follow_their_rows(tmp_path: Path) -> None:
    # rows arrive out of start order and in several batches, each with its own string tables
    m = merged(tmp_path, {
        "samples-1.frames": [[row("baseline", 105.0, output='"b"', itl=(5.0, 6.0)),
                              row("baseline", 102.0, output='"a"', itl=(2.0,))],
                             [row("candidate", 103.0, output='"b"', error="http-503")]],
        "samples-2.frames": [[row("baseline", 101.5, error="timeout"),
                              row("candidate", 102.5, output='"c"', itl=(7.0, 8.0, 9.0))]],
    }, t0=101.0, warmup=0.0, duration=10.0)
    b, c = m.tables["baseline"], m.tables["candidate"]
    assert b.t.tolist() == [0.5, 1.0, 4.0]
    assert b.itl_offsets.tolist() == [0, 0, 1, 3] and b.itl_ms.tolist() == [2.0, 5.0, 6.0]
    assert b.error == ["timeout", "", ""] and c.error == ["", "http-503"]
    assert b.output == ["", '"a"', '"b"'] and c.output == ['"c"', '"b"']
    # codes by first appearance, baseline first (as OutputBook assigns them reading in order)
    assert b.output_code is not None and c.output_code is not None
    assert b.output_code.tolist() == [-1, 0, 1] and c.output_code.tolist() == [2, 1]
    assert b.book is c.book and b.book is not None and b.book.texts == ['"a"', '"b"', '"c"']
    out = tmp_path / "samples.frames"
    merge.write(m, out)
    back = samples_io.read_samples(out)
    for name, s in m.tables.items():
        r = back[name]
        assert r.output == s.output and r.error == s.error and r.itl_ms.tolist() == s.itl_ms.tolist()
        assert np.array_equal(r.ttft_ms, s.ttft_ms, equal_nan=True) and r.tokens.tolist() == s.tokens.tolist()


def test_torn_last_frame_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "samples-1.frames"
    capture.append_rows(path, [row("baseline", 101.0), row("candidate", 101.0)])
    whole = path.read_bytes()
    capture.append_rows(path, [row("baseline", 102.0)])
    data = path.read_bytes()
    path.write_bytes(data[: len(whole) + (len(data) - len(whole)) // 2])  # killed mid-write
    m = merge.merge([path], t0=100.0, warmup=0.0, duration=10.0)
    assert m is not None and m.counts == {"baseline": 1, "candidate": 1, "dropped": 0}
    assert m.torn_bytes == (len(data) - len(whole)) // 2
    with pytest.raises(frames.TornFrame):  # a merged file must be whole
        list(frames.iter_file(path))


def test_write_read_round_trip(tmp_path: Path) -> None:
    s = make_samples([10.0, 20.0, 30.0], ok=[True, False, True], ttft=[5.0, math.nan, 6.0], tokens=[3, 0, 2],
                     itl=[[1.0, 2.0], [], [3.0]], payload=[0, 1, 2], output=['"a"', "", '"c"'])
    path = tmp_path / "samples.frames"
    samples_io.write_samples(path, {"baseline": s, "candidate": make_samples([1.0])})
    back = samples_io.read_samples(path)
    b = back["baseline"]
    assert b.latency_ms.tolist() == [10.0, 20.0, 30.0]
    assert b.ok.tolist() == [True, False, True]
    assert b.error == ["", "http-503", ""]
    assert np.isnan(b.ttft_ms[1]) and b.ttft_ms[0] == 5.0
    assert b.itl_ms.tolist() == [1.0, 2.0, 3.0] and b.itl_offsets.tolist() == [0, 2, 2, 3]
    assert b.output == ['"a"', "", '"c"'] and b.payload.tolist() == [0, 1, 2]
    assert b.status.dtype == np.int64 and b.tokens.tolist() == [3, 0, 2]
    assert len(back["candidate"]) == 1


def test_version_1_files_still_read(tmp_path: Path) -> None:
    s = make_samples([10.0, 20.0], itl=[[1.0], []], payload=[0, 1], output=['"a"', '"b"'])
    old = tmp_path / "samples.jsonl.gz"
    write_samples_v1(old, {"baseline": s, "candidate": make_samples([1.0], output=['"b"'])}, t0=5.0)
    back = samples_io.read_samples(old)
    assert back["baseline"].output == ['"a"', '"b"'] and back["baseline"].itl_ms.tolist() == [1.0]
    assert back["candidate"].output_code is not None and back["candidate"].output_code.tolist() == [1]
    assert samples_io.read_header(old)["t0"] == 5.0


def test_missing_target_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "samples.frames"
    samples_io.write_samples(path, {"baseline": make_samples([1.0])})
    assert len(samples_io.read_samples(path)["candidate"]) == 0


def test_handed_over_tables_are_used_once(tmp_path: Path) -> None:
    path = tmp_path / "samples.frames"
    tables = {"baseline": make_samples([1.0]), "candidate": make_samples([2.0])}
    samples_io.write_samples(path, tables)
    samples_io.remember(path, tables)
    assert samples_io.read_samples(path) is tables  # the gate's own run: no second read
    again = samples_io.read_samples(path)
    assert again is not tables and again["candidate"].latency_ms.tolist() == [2.0]
    samples_io.remember(path, tables)
    samples_io.write_samples(path, {"baseline": make_samples([3.0, 4.0])})  # the file changed since
    assert samples_io.read_samples(path)["baseline"].latency_ms.tolist() == [3.0, 4.0]
