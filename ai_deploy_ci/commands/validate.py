"""`ai-deploy-ci validate FILE…`: check deploy.yaml files before anything touches a cluster.

Prints `file:line:col: severity: path: message (fix: …)` (the compiler format editors link),
or one JSON document with `--format json`; under GitHub Actions also `::error` annotations.
Exit 0 when valid (warnings allowed unless `--strict`), 1 on errors, 2 on unreadable input.
Imports only the spec package: no kubernetes, Locust, scipy or numpy (a test enforces it).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

from ai_deploy_ci.errors import InputError, annotation, in_github_actions
from ai_deploy_ci.spec.load import validate_file
from ai_deploy_ci.spec.problems import Problem, github_annotations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="deploy.yaml files; quoted globs such as 'deploy/**/*.yaml' are expanded",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--json-out", type=Path, metavar="PATH", help="also write the JSON report to PATH")


def expand(patterns: list[str]) -> list[str]:
    """Paths in order given; a pattern that is not an existing path is a glob (`**` recursive)."""
    out: list[str] = []
    for pattern in patterns:
        if Path(pattern).exists() or not glob.has_magic(pattern):
            out.append(pattern)
            continue
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise InputError(
                f"no file matches '{pattern}'", fix="check the pattern and the working directory"
            )
        out.extend(matches)
    return list(dict.fromkeys(out))


def run(args: argparse.Namespace) -> int:
    results: list[dict[str, object]] = []
    problems: list[Problem] = []
    unreadable: list[InputError] = []
    for name in expand(args.files):
        try:
            found = validate_file(name)
        except InputError as exc:
            unreadable.append(exc)
            results.append(
                {"file": name, "readable": False, "valid": False, "message": exc.message, "fix": exc.fix}
            )
            continue
        problems.extend(found)
        failed = any(_fails(p, args.strict) for p in found)
        results.append(
            {"file": name, "readable": True, "valid": not failed, "problems": [p.to_json() for p in found]}
        )
    errors = sum(_fails(p, args.strict) for p in problems) + len(unreadable)
    warnings = 0 if args.strict else sum(p.severity == "warning" for p in problems)
    report = {"valid": errors == 0, "errors": errors, "warnings": warnings, "files": results}
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        _print_text(problems, unreadable, len(results), errors, warnings)
    return 2 if unreadable else (1 if errors else 0)


def _fails(problem: Problem, strict: bool) -> bool:
    return problem.severity == "error" or strict


def _print_text(
    problems: list[Problem], unreadable: list[InputError], files: int, errors: int, warnings: int
) -> None:
    for exc in unreadable:
        print(exc.render(), file=sys.stderr)
    for p in problems:
        print(p.render())
    if in_github_actions():
        for line in github_annotations(problems):
            print(line)
        for exc in unreadable:
            print(annotation("error", exc.message + (f" — fix: {exc.fix}" if exc.fix else ""), exc.location))
    verdict = "ok" if errors == 0 else "invalid"
    print(f"{verdict}: {files} file(s), {errors} error(s), {warnings} warning(s)", file=sys.stderr)
