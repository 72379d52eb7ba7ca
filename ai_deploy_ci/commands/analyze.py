"""`ai-deploy-ci analyze DIR [--spec deploy.yaml] [--out verdict.json]`: judge a load test's samples.

Reads DIR/samples.frames (or a version-1 samples.jsonl.gz; warm-up already dropped by the
load step) and DIR/summary.json
(the measured duration, and whether the load generator was saturated), judges with the
spec's `analysis` section and writes verdict.json (default DIR/verdict.json). Prints one
line per metric. Exit 0 on PASS or an undecided run whose policy is `extend`; exit 4
(regression) on FAIL, so a workflow step fails where the rollout should stop.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ai_deploy_ci.artifacts import LEGACY_SAMPLES_FILE, SAMPLES_FILE, SUMMARY_FILE, VERDICT_FILE, VerdictFile
from ai_deploy_ci.errors import InputError, RegressionDetected, UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="results directory of a load test")
    parser.add_argument("--spec", type=Path, help="deploy.yaml (default: DIR/deploy.yaml)")
    parser.add_argument("--out", type=Path, help="where to write verdict.json (default: DIR/verdict.json)")
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="PromQL placeholder values, e.g. candidate_version=v2 namespace=ml (repeatable)",
    )


def _context(pairs: list[str], spec_name: str, namespace: str) -> dict[str, str]:
    ctx = {"name": spec_name, "namespace": namespace}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--context {pair!r} is not KEY=VALUE", fix="e.g. --context candidate_version=v2")
        ctx[key.strip()] = value
    return ctx


def _summary(directory: Path) -> dict[str, Any]:
    from ai_deploy_ci.spec.bounded import read_json_object

    path = directory / SUMMARY_FILE
    if not path.exists():
        return {}
    data = read_json_object(path, what="summary.json (re-run the load test)")
    for key, kind in (("duration_s", (int, float)), ("saturated", bool)):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise InputError(f"{path}: `{key}` is {type(data[key]).__name__}, expected {kind}",
                             fix="re-run the load test")
    return data


def _print(verdict: VerdictFile) -> None:
    for c in verdict["checks"]:
        flag = " (critical)" if c["critical"] else ""
        print(f"{c['verdict']:<12} {c['metric']}{flag}: {c['reason']}")
    policy = f" [onInconclusive: {verdict['on_inconclusive']}]" if "on_inconclusive" in verdict else ""
    print(f"verdict: {verdict['verdict']}{policy} after {verdict['blocks']} blocks — {verdict['reason']}")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.analysis.judge import judge
    from ai_deploy_ci.load import delivery
    from ai_deploy_ci.load.samples_check import read_samples_checked
    from ai_deploy_ci.spec.load import load_spec

    directory: Path = args.dir
    samples_path = directory / SAMPLES_FILE
    if not samples_path.exists():
        samples_path = directory / LEGACY_SAMPLES_FILE
    if not samples_path.exists():
        raise InputError(
            f"{directory / SAMPLES_FILE} does not exist, and {samples_path} does not exist either",
            fix="point analyze at the results directory of a load test",
        )
    spec_path = args.spec or directory / "deploy.yaml"
    if not spec_path.exists():
        raise InputError(f"no spec: {spec_path} does not exist", fix="pass --spec path/to/deploy.yaml")
    spec = load_spec(spec_path)
    samples = read_samples_checked(samples_path)
    summary = _summary(directory)
    elapsed = summary.get("duration_s")
    verdict = judge(
        spec.analysis,
        samples,
        saturated=bool(summary.get("saturated", False)),
        context=_context(args.context, spec.metadata.name, spec.metadata.namespace),
        elapsed=float(elapsed) if elapsed is not None else None,
        agreement_tolerance=spec.load.agreement.tolerance,
    )
    verdict = delivery.apply(verdict, summary)  # samples lost on the way: never a PASS
    out: Path = args.out or directory / VERDICT_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(verdict, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _print(verdict)
    if verdict["verdict"] == "FAIL":
        raise RegressionDetected(f"analysis failed: {verdict['reason']}", fix=f"see {out} for every metric")
    return 0
