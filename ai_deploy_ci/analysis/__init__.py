"""The judge (pure): samples → blocks → always-valid tests → PASS / INCONCLUSIVE / FAIL, explained.

Entry points: `analysis.judge.judge(...) -> VerdictFile` and `analysis.judge.SequentialJudge`;
metric sources in `analysis.sources` (only `sources.prometheus` does I/O). Method and measured
figures: docs/analysis.md.
"""
