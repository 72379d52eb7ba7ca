"""Agreement in the judge: output codes from `read_samples`, and `load.agreement.tolerance`."""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from ai_deploy_ci.analysis import blocks, observe
from ai_deploy_ci.analysis.judge import SequentialJudge, empty_samples, judge
from ai_deploy_ci.commands import analyze
from ai_deploy_ci.errors import RegressionDetected
from ai_deploy_ci.load.samples_io import read_samples, write_samples
from ai_deploy_ci.samples import OutputBook, Samples, encode_outputs
from ai_deploy_ci.spec.model import AnalysisSpec, Metric, Slo
from tests.unit.analysis.factory import canary_deploy, table

N = 400  # requests per target over 100 s: ten 10 s blocks
SPEC = AnalysisSpec(
    metrics=(Metric("agree", "agreement", slo=Slo(min=0.98)),), block_length=10.0, min_duration=30.0
)


def run(outputs: list[str], payload: np.ndarray | None = None) -> Samples:
    pay = np.arange(len(outputs)) % 4 if payload is None else payload
    return table(
        np.full(len(outputs), 50.0), np.linspace(0.0, 99.9, len(outputs)), payload=pay, outputs=outputs
    )


def regressor(values: list[float], n: int = N) -> list[str]:
    """{"y": value of payload i % len(values)} per request, as canonical JSON."""
    return [json.dumps({"y": values[i % len(values)]}, separators=(",", ":")) for i in range(n)]


def check(base: Samples, cand: Samples, tolerance: float = 0.0) -> dict[str, object]:
    v = judge(SPEC, {"baseline": base, "candidate": cand}, final=False, agreement_tolerance=tolerance)
    return dict(v["checks"][0])


# --- codes assigned while reading ------------------------------------------------------------


def test_read_samples_codes_match_per_distinct_text_across_targets(tmp_path: Path) -> None:
    base = run(['{"label":"a"}', '{"label":"b"}', "", '{"label":"a"}'])
    cand = run(['{"label":"b"}', '{"label":"c"}', '{"label":"a"}', ""])
    path = tmp_path / "samples.jsonl.gz"
    write_samples(path, {"baseline": base, "candidate": cand})
    got = read_samples(path)
    b, c = got["baseline"], got["candidate"]
    assert b.book is not None and b.book is c.book  # one book per file
    assert b.output_code is not None and c.output_code is not None
    texts = b.output + c.output
    codes = np.concatenate([b.output_code, c.output_code]).tolist()
    for text, code in zip(texts, codes, strict=True):
        assert (code == -1) == (text == "")
        assert b.book.text(code) == text
    # equal code ⇔ equal text, across both targets
    pairs = set(zip(texts, codes, strict=True))
    assert len(pairs) == len({t for t, _ in pairs}) == len({k for _, k in pairs}) == 4
    assert b.book.text(int(b.output_code[0])) == '{"label":"a"}' and b.output_code[0] == 0  # baseline first


def test_reading_an_old_samples_file_still_works(tmp_path: Path) -> None:
    """A version-1 file as written before codes existed (header with default separators, one row
    per line); and a header-less file of rows. Codes are assigned on read, nothing is stored."""
    header = {
        "format": "ai-deploy-ci-samples",
        "version": 1,
        "columns": [
            "target",
            "t",
            "latency_ms",
            "ok",
            "status",
            "nbytes",
            "error",
            "ttft_ms",
            "tokens",
            "itl_ms",
            "payload",
            "output",
        ],
        "t0": 1795310942.4,
        "duration": 30.0,
        "dropped": 3,
    }
    rows = [
        '["baseline",0.000934,44.7304,1,200,174,"",null,0,[],1,"{\\"label\\":\\"setosa\\"}"]',
        '["candidate",0.048266,5.98,1,200,177,"",null,0,[],1,"{\\"label\\":\\"versicolor\\"}"]',
        '["candidate",0.05,6.1,0,503,0,"http-503",null,0,[],2,""]',
        '["baseline",0.06,40.0,1,200,174,"",null,0,[],1,"{\\"label\\":\\"setosa\\"}"]',
    ]
    for name, lines in (("old.jsonl.gz", [json.dumps(header), *rows]), ("rows.jsonl.gz", rows)):
        path = tmp_path / name
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        got = read_samples(path)
        b, c = got["baseline"], got["candidate"]
        assert b.output == ['{"label":"setosa"}'] * 2 and b.payload.tolist() == [1, 1]
        assert c.output == ['{"label":"versicolor"}', ""] and c.ok.tolist() == [True, False]
        assert b.output_code is not None and c.output_code is not None
        assert b.output_code.tolist() == [0, 0] and c.output_code.tolist() == [1, -1]


def test_codes_from_reading_judge_like_texts(tmp_path: Path) -> None:
    outputs = [f"label-{i % 4}" for i in range(N)]
    wrong = [o if i % 10 else "label-x" for i, o in enumerate(outputs)]
    base, cand = run(outputs), run(wrong)
    path = tmp_path / "samples.jsonl.gz"
    write_samples(path, {"baseline": base, "candidate": cand})
    read = read_samples(path)
    assert read["candidate"].output_code is not None
    assert check(read["baseline"], read["candidate"]) == check(base, cand)
    assert check(base, cand)["candidate"] == pytest.approx(0.9)


def test_tables_of_different_books_are_recoded() -> None:
    """Codes of two books are not comparable: the judge codes the texts again rather than trust them."""
    base, cand = run(['"a"', '"b"'] * (N // 2)), run(['"b"', '"a"'] * (N // 2))
    encode_outputs([base])
    encode_outputs([cand])  # another book: "b" gets code 0 here, "a" code 0 there
    assert check(base, cand)["candidate"] == 0.0
    encode_outputs([base, cand])
    assert check(base, cand)["candidate"] == 0.0


def test_an_empty_target_fits_any_book() -> None:
    base = run(['"a"'] * N)
    encode_outputs([base])
    c = check(base, empty_samples())
    assert c["verdict"] == "INCONCLUSIVE" and c["candidate"] is None


def test_reordering_keeps_codes_with_their_rows() -> None:
    s = run(['"a"', '"b"', '"c"'], payload=np.array([0, 1, 2]))
    s.t = np.array([2.0, 0.0, 1.0])
    encode_outputs([s])
    r = observe.reorder(s)
    assert r.output == ['"b"', '"c"', '"a"']
    assert r.book is s.book and r.output_code is not None
    assert [s.book.text(int(k)) for k in r.output_code] == r.output  # type: ignore[union-attr]


# --- numeric tolerance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cand_value", "tolerance", "agrees"),
    [
        (1.004, 0.01, True),
        (1.02, 0.01, False),
        (1.004, 0.0, False),  # 0: exact, as before
        (1.0, 0.0, True),
    ],
    ids=["within-tolerance", "beyond-tolerance", "exact-by-default", "equal"],
)
def test_tolerance_applies_to_numbers(cand_value: float, tolerance: float, agrees: bool) -> None:
    c = check(run(regressor([1.000])), run(regressor([cand_value])), tolerance)
    assert c["baseline"] == 1.0
    assert c["candidate"] == (1.0 if agrees else 0.0)
    assert c["verdict"] == ("PASS" if agrees else "FAIL")
    if not agrees:
        assert f'First difference: payload 0: baseline {{"y":1.0}} vs candidate {{"y":{cand_value}}}' in str(
            c["reason"]
        )


@pytest.mark.parametrize(
    ("base_out", "cand_out"),
    [
        ('{"label":"1.000"}', '{"label":"1.004"}'),  # numbers as strings are labels
        ('{"label":"pos"}', '{"label":"neg"}'),
        ('{"flag":true}', '{"flag":1}'),  # a bool is a label, not the number 1
        ('{"flag":false}', '{"flag":0}'),
        ("true", "false"),
    ],
    ids=["numeric-string", "string", "true-vs-1", "false-vs-0", "bools"],
)
def test_labels_never_get_tolerance(base_out: str, cand_out: str) -> None:
    c = check(run([base_out] * N), run([cand_out] * N), tolerance=1.0)
    assert c["candidate"] == 0.0 and c["verdict"] == "FAIL"


def test_example_shows_a_real_difference_not_one_within_tolerance() -> None:
    base = run(regressor([1.0, 2.0, 3.0, 4.0]))
    near = regressor([1.004, 2.003, 3.0, 4.001])  # all within 0.01 …
    far = [o if i < 200 or i % 4 != 2 else '{"y":3.5}' for i, o in enumerate(near)]  # … but payload 2 late
    c = check(base, run(far), tolerance=0.01)
    assert c["candidate"] == pytest.approx(1 - 50 / N)
    assert 'First difference: payload 2: baseline {"y":3.0} vs candidate {"y":3.5}' in str(c["reason"])


def test_tolerance_counts_the_baselines_self_consistency_too() -> None:
    noisy = [json.dumps({"y": 1.0 + (1e-4 if i % 3 else 0.0)}) for i in range(N)]
    assert check(run(noisy), run(regressor([1.0])), 0.0)["baseline"] == pytest.approx(2 / 3, abs=0.01)
    c = check(run(noisy), run(regressor([1.0])), 0.01)
    assert c["baseline"] == 1.0 and c["candidate"] == 1.0


def test_tolerance_with_many_distinct_outputs() -> None:
    """More than 1024 distinct texts: pairs are found by sorting instead of a pair table."""
    n = 3000
    values = [round(0.001 * i, 6) for i in range(n)]
    pay = np.arange(n)
    base = run(regressor(values, n), payload=pay)
    cand = run(regressor([v + 0.004 for v in values], n), payload=pay)
    encode_outputs([base, cand])
    assert base.book is not None and len(base.book) ** 2 > 1 << 20
    assert check(base, cand, 0.01)["candidate"] == 1.0
    assert check(base, cand, 0.001)["candidate"] == 0.0


def test_sequential_judge_applies_the_tolerance() -> None:
    sj = SequentialJudge(SPEC, agreement_tolerance=0.01)
    sj.update({"baseline": run(regressor([1.0])), "candidate": run(regressor([1.004]))}, elapsed=100.0)
    assert sj.result is not None and sj.result["checks"][0]["candidate"] == 1.0


def test_analyze_reads_the_tolerance_from_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sections = """\
load:
  payloads: [{{x: 1}}]
  duration: 100s
  warmup: 0s
  agreement: {{jsonPath: $.y, tolerance: {tolerance}}}
analysis:
  blockLength: 10s
  minDuration: 30s
  maxDuration: 100s
  metrics:
    - {{name: agree, type: agreement, slo: {{min: 0.98}}, critical: true}}
"""
    base = run(["1.0"] * N)
    cand = run(["1.004"] * N)
    write_samples(tmp_path / "samples.jsonl.gz", {"baseline": base, "candidate": cand})
    (tmp_path / "summary.json").write_text(json.dumps({"duration_s": 100.0}))
    args = argparse.Namespace(dir=tmp_path, spec=None, out=None, context=[])
    (tmp_path / "deploy.yaml").write_text(canary_deploy("100s", sections.format(tolerance=0.01)))
    assert analyze.run(args) == 0
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert verdict["verdict"] == "PASS" and verdict["checks"][0]["candidate"] == 1.0
    (tmp_path / "deploy.yaml").write_text(canary_deploy("100s", sections.format(tolerance=0)))
    with pytest.raises(RegressionDetected):
        analyze.run(args)
    assert "First difference: payload 0: baseline 1.0 vs candidate 1.004" in capsys.readouterr().out


# --- the mode per payload ------------------------------------------------------------------------


def brute_reference(payload: np.ndarray, codes: np.ndarray, usable: np.ndarray) -> list[int]:
    seen: dict[int, Counter[int]] = {}
    for p, c, u in zip(payload.tolist(), codes.tolist(), usable.tolist(), strict=True):
        if u:
            seen.setdefault(p, Counter())[c] += 1
    top = max(seen) + 1 if seen else 0
    out = []
    for p in range(top):
        counts = seen.get(p)
        out.append(-2 if not counts else min(c for c, k in counts.items() if k == max(counts.values())))
    return out


@pytest.mark.parametrize(("payloads", "codes", "n"), [(7, 5, 500), (3000, 900, 2000), (50, 40000, 3000)])
def test_reference_is_the_mode_ties_to_the_lowest_code(payloads: int, codes: int, n: int) -> None:
    """Dense (bincount) and sparse (distinct pairs) paths give the same mode as counting."""
    rng = np.random.default_rng(payloads)
    payload = rng.integers(-1, payloads, n)
    code = rng.integers(-1, codes, n)
    code[: n // 2] = rng.integers(0, 3, n // 2)  # some ties and repeats
    usable = (rng.random(n) > 0.1) & (code >= 0) & (payload >= 0)
    want = brute_reference(payload, code, usable)
    got = observe._reference(payload, code, usable).tolist()
    assert got[: len(want)] == want and set(got[len(want) :]) <= {-2}


def test_within_tolerance_compares_each_distinct_pair_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = observe.outputs_agree

    def counting(a: str, b: str, tolerance: float = 0.0) -> bool:
        calls.append((a, b))
        return real(a, b, tolerance)

    monkeypatch.setattr(observe, "outputs_agree", counting)
    base, cand = run(regressor([1.0, 2.0])), run(regressor([1.001, 2.5]))
    encode_outputs([base, cand])
    lay = blocks.layout({"b": base, "c": cand}, 10.0)
    counts = observe.agreement_counts(blocks.Cut.of(base, lay), blocks.Cut.of(cand, lay), 0.01)
    assert sorted(calls) == [('{"y":1.0}', '{"y":1.001}'), ('{"y":2.0}', '{"y":2.5}')]
    assert int(counts.cand_hits.sum()) == N // 2 and int(counts.cand_total.sum()) == N


def test_output_book_codes() -> None:
    book = OutputBook()
    assert book.encode(["x", "", "y", "x"]).tolist() == [0, -1, 1, 0]
    assert book.encode(["y", "z"]).tolist() == [1, 2]
    assert len(book) == 3 and book.text(-1) == "" and book.text(2) == "z"


def test_requests_without_a_payload_index_are_not_counted() -> None:
    outputs = ['"a"'] * N
    pay = np.arange(N) % 4
    odd = pay.copy()
    odd[::2] = -1  # unknown (the convention)
    odd[1::4] = -7  # malformed: also unknown, never another payload's answer
    c = check(run(outputs, payload=pay), run(['"b"'] * N, payload=odd))
    assert c["candidate"] == 0.0
    lay = blocks.layout({"b": run(outputs)}, 10.0)
    counts = observe.agreement_counts(
        blocks.Cut.of(run(outputs, payload=pay), lay), blocks.Cut.of(run(outputs, payload=odd), lay)
    )
    assert int(counts.cand_total.sum()) == N // 4 and int(counts.cand_hits.sum()) == N // 4
