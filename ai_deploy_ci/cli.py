"""`ai-deploy-ci` command line: a thin dispatcher.

Each command lives in `ai_deploy_ci.commands.<module>` with `add_arguments(parser)` and
`run(args) -> int`, imported only when chosen, so `validate` never pays for (or is broken by)
`kubernetes`, Locust or scipy.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from ai_deploy_ci.errors import UserError, api_error, report

# (command, module under ai_deploy_ci.commands, one-line help)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("validate", "validate", "check deploy.yaml files: the schema and the rules a schema cannot express"),
    ("plan", "plan", "print the steps a deploy would take; touch nothing"),
    ("deploy", "deploy", "perform the strategy on the cluster, step by step, with analysis gates"),
    ("promote", "promote", "finish a paused rollout: the candidate becomes stable"),
    ("rollback", "rollback", "return the cluster to the last good state"),
    ("status", "status", "what is live, the rollout's step and deadline, the lock holder, the last verdict"),
    ("abort", "abort", "take traffic off the candidate now, then roll back"),
    ("reconcile", "reconcile", "roll back rollouts whose runner is gone past its deadline"),
    ("load-test", "load_test", "run Locust against baseline and candidate side by side"),
    ("analyze", "analyze", "judge the samples of a load test; write verdict.json"),
    ("report", "report", "render results; post the pull-request comment and job summary"),
    ("run", "run", "the whole pipeline: validate, deploy, load and judge, promote or roll back, report"),
    ("demo", "demo", "the whole pipeline on the local environment, no cluster needed"),
    ("local-cluster", "local_cluster", "run the local Kubernetes API server (foreground)"),
    ("model-server", "model_server", "run the sample model server"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ai-deploy-ci", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    argv = sys.argv[1:]
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, module, help_text in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            _load(module).add_arguments(p)
    return parser


def _load(module: str) -> ModuleType:
    return importlib.import_module(f"ai_deploy_ci.commands.{module}")


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked: importlib.metadata costs tens of ms per start."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        print(f"ai-deploy-ci {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ai-deploy-ci")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:])
    if not args.command:
        parser.print_help()
        return 2
    module = dict((n, m) for n, m, _ in COMMANDS)[args.command]
    try:
        return int(_load(module).run(args) or 0)
    except UserError as exc:
        return report(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ai-deploy-ci plan … | head`: the reader left; stop quietly, like `yes`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
        return 141
    except Exception as exc:  # a bug: one clear line, the traceback only on request
        cluster = api_error(exc)
        if cluster is not None:  # an API refusal nobody translated: still exit 3 with a fix
            return report(cluster)
        if os.environ.get("AI_DEPLOY_CI_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (set AI_DEPLOY_CI_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
