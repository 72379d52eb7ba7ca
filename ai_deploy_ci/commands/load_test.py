"""`ai-deploy-ci load-test FILE --out DIR`: Locust against baseline and candidate, side by side.

Targets come from the flags or from `load.targets` in the deploy file (a URL, or a Service in
the deploy namespace as `http://<service>.<namespace>.svc:<port>`). Prints the path of
summary.json and a short table; exit code 0 even when the candidate is slower: judging is
`analyze`'s job, this command only measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.spec.model import Spec, Target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="deploy.yaml")
    parser.add_argument("--baseline", metavar="URL", help="baseline URL (default: load.targets.baseline)")
    parser.add_argument("--candidate", metavar="URL", help="candidate URL (default: load.targets.candidate)")
    parser.add_argument("--duration", metavar="DURATION", help="measured time, e.g. 30s (default: spec)")
    parser.add_argument("--warmup", metavar="DURATION", help="warm-up, not measured (default: load.warmup)")
    parser.add_argument("--processes", type=int, help="Locust processes here (default: load.processes)")
    parser.add_argument("--out", metavar="DIR", required=True, help="results directory")


def target_url(target: Target | None, spec: Spec, which: str) -> str:
    """A target's base URL; a Service is addressed by its cluster DNS name."""
    if target is not None and target.url:
        return target.url.rstrip("/")
    if target is not None and target.service:
        port = target.port or spec.server.port
        return f"http://{target.service}.{spec.metadata.namespace}.svc:{port}"
    raise UserError(f"no {which} target", fix=f"pass --{which} URL or set load.targets.{which}")


def flag_duration(flag: str, value: str | None) -> float | None:
    """Seconds of a duration flag; a malformed one is the user's to fix, not a traceback."""
    from ai_deploy_ci.spec.durations import DurationError, parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise UserError(f"{flag} {value!r}: {exc}", fix=f"for example: {flag} 30s") from None


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.load.runner import run_load_test
    from ai_deploy_ci.spec.load import load_spec

    duration = flag_duration("--duration", args.duration)
    warmup = flag_duration("--warmup", args.warmup)
    spec = load_spec(args.file)
    load = spec.load
    if warmup is not None:
        load = dataclasses.replace(load, warmup=warmup)
    if args.processes is not None:
        if args.processes < 1:
            raise UserError("--processes must be at least 1")
        load = dataclasses.replace(load, processes=args.processes)
    spec = dataclasses.replace(spec, load=load)
    baseline = (args.baseline or target_url(load.baseline, spec, "baseline")).rstrip("/")
    candidate = (args.candidate or target_url(load.candidate, spec, "candidate")).rstrip("/")
    out = Path(args.out)
    summary = run_load_test(spec, out, baseline_url=baseline, candidate_url=candidate, duration=duration,
                            base_dir=Path(args.file).resolve().parent)
    for name, t in summary["targets"].items():
        lat = t["latency_ms"]
        print(f"{name:9} {t['count']:7d} req  {t['rps']:8.1f}/s  errors {t['errors']:5d}  "
              f"p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  p99 {lat['p99']:.1f} ms")
    for warning in summary["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(out / "summary.json")
    return 0
