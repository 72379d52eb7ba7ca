"""Command line for the local action runner: run an action (or a workflow job) in its own process.

Tests use it when the runner itself must die mid-run (SIGKILL of the process group, like a
lost VM) and a second run must recover from what the cluster and the artifacts say.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from tests.support.action_runner import ActionRunner


def _pairs(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"expected NAME=VALUE, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.support.action_runner", description=__doc__)
    p.add_argument("target", help="an action directory / action.yml, or a workflow file with --job")
    p.add_argument("--job", help="run this job of the workflow file")
    p.add_argument("--workspace", type=Path, default=Path.cwd())
    p.add_argument("--temp", type=Path, help="RUNNER_TEMP (default: a new temporary directory)")
    p.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--secret", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--token", default="")
    p.add_argument("--event-name", default="push")
    p.add_argument("--event", type=Path, help="a JSON event payload")
    p.add_argument("--ref", default="refs/heads/main")
    p.add_argument("--repository", default="acme/models")
    p.add_argument("--api-url", default="https://api.github.com")
    p.add_argument("--action-repo", action="append", default=[], metavar="OWNER/REPO=PATH")
    p.add_argument("--result", type=Path, help="write the result as JSON here")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    runner = ActionRunner(
        args.workspace, temp=args.temp, token=args.token, secrets=_pairs(args.secret),
        event_name=args.event_name, event=json.loads(args.event.read_text()) if args.event else {},
        repository=args.repository, api_url=args.api_url, ref=args.ref, env=_pairs(args.env),
        action_repos={k: Path(v) for k, v in _pairs(args.action_repo).items()}, echo=not args.quiet,
    )
    if args.job:
        result = runner.run_job(Path(args.target).resolve(), args.job, inputs=_pairs(args.input))
    else:
        result = runner.run_action(Path(args.target).resolve(), _pairs(args.input))
    if args.result:
        args.result.write_text(json.dumps(dataclasses.asdict(result), indent=2))
    print(f"outcome: {result.outcome}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
