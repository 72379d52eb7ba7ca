"""Public entry points: `validate_file(path) -> [Problem]` and `load_spec(path) -> Spec`.

Order of checks: YAML (syntax, duplicate keys, tabs) → JSON Schema → semantic rules → lint.
Rules and conversion only run on schema-valid documents, so they can trust shapes; a user
fixing schema errors may then see rule errors in a second round, which is the price of never
guessing at a malformed document.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ai_deploy_ci.errors import InputError, Location, ValidationFailed, in_github_actions
from ai_deploy_ci.spec import rules, rules_capacity, rules_files, rules_k8s, rules_load, rules_workload
from ai_deploy_ci.spec.bounded import read_bounded
from ai_deploy_ci.spec.durations import DurationError
from ai_deploy_ci.spec.lint import lint
from ai_deploy_ci.spec.problems import Problem, github_annotations, json_path, sort_key
from ai_deploy_ci.spec.schema import schema_problems
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem, read_yaml

if TYPE_CHECKING:  # the dataclasses cost ~15 ms to create; `validate` never needs them
    from ai_deploy_ci.spec.model import Spec

RULES: tuple[rules.Rule, ...] = (
    rules.check_durations,
    rules.check_canary_weights,
    rules.check_router_capabilities,
    rules_files.check_files,
    rules.check_server,
    rules.check_rolling,
    rules.check_unused_blocks,
    rules_load.check_load,
    rules_load.check_analysis,
    rules_k8s.check_service_names,
    rules_k8s.check_resources,
    rules_capacity.check_capacity,
    rules_workload.check_workload,
    lint,
)
MAX_BYTES = 1_000_000  # a deploy.yaml is a few KB; refuse to parse a mistaken log file


def read_text(path: Path) -> str:
    """The file's text, or InputError (exit 2) for anything that is not a readable UTF-8 file."""
    where = Location(str(path))
    if path.is_dir():
        raise InputError("is a directory", fix="pass deploy.yaml files, e.g. examples/*.yaml", location=where)
    data = read_bounded(path, MAX_BYTES, what="deploy.yaml")  # counted as read: /dev/zero has no size
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", fix="save the file as UTF-8", location=where
        ) from None


def check_document(text: str, base_dir: Path) -> tuple[Document, list[RawProblem]]:
    """All problems of a document's text; `base_dir` resolves referenced files. Pure but for stat()."""
    doc = read_yaml(text.removeprefix("\ufeff"))
    if doc.problems:
        return doc, list(doc.problems)
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__
        return doc, [
            RawProblem(
                1,
                1,
                (),
                f"expected a mapping at the top level, got {kind}",
                "start with `apiVersion: ai-deploy-ci/v1`",
            )
        ]
    found = schema_problems(doc)
    if found:
        return doc, found
    for rule in RULES:
        try:
            found.extend(rule(doc.data, doc, base_dir))
        except DurationError:  # `check_durations` reports the bad value, located; this rule cannot judge
            continue
    return doc, found


def _locate(raw: list[RawProblem], file: str) -> list[Problem]:
    out = {Problem(p.severity, file, p.line, p.col, json_path(p.path), p.message, p.fix) for p in raw}
    return sorted(out, key=sort_key)


def validate_text(text: str, file: str, base_dir: Path) -> list[Problem]:
    return _locate(check_document(text, base_dir)[1], file)


def validate_file(path: str | Path) -> list[Problem]:
    """Located problems (errors and warnings) of one deploy.yaml; InputError if unreadable."""
    path = Path(path)
    return validate_text(read_text(path), str(path), path.parent)


def load_spec(path: str | Path) -> Spec:
    """The validated `Spec`; prints located problems (stderr, and annotations under GitHub Actions)
    and raises ValidationFailed on errors.

    The exception is located at the file only: each problem already has its own line annotation,
    so the summary `cli.report` prints does not repeat one of them.
    """
    path = Path(path)
    doc, raw = check_document(read_text(path), path.parent)
    problems = _locate(raw, str(path))
    for p in problems:
        print(p.render(), file=sys.stderr)
    if in_github_actions():
        for line in github_annotations(problems, title="ai-deploy-ci"):
            print(line, flush=True)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"{len(errors)} error(s) in the deploy file, the first on line {first.line}: {first.message}",
            fix=first.fix,
            location=Location(first.file),
        )
    from ai_deploy_ci.spec.convert import to_spec

    assert isinstance(doc.data, dict)
    return to_spec(doc.data, doc, source=str(path))
