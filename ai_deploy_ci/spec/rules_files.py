"""Files a deploy.yaml points at: they exist (relative to the deploy.yaml) and look right.

A missing payloads file or a manifest that is not a Deployment would otherwise surface minutes
later, after the cluster was touched. Reads at most a few files of bounded size; the problems
are located at the deploy.yaml line that names the file (with the line inside the file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.errors import InputError
from ai_deploy_ci.spec.bounded import parse_yaml_documents, read_bounded
from ai_deploy_ci.spec.rules import problem
from ai_deploy_ci.spec.walk import FILE_FIELDS, Doc, get
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

MAX_BYTES = 20_000_000
FIX_PATH = "give a path relative to the deploy.yaml's directory"


def check_files(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    for path in FILE_FIELDS:
        value = get(data, *path)
        if not isinstance(value, str):
            continue
        target = base / value
        try:
            if not target.exists() or target.is_dir():
                state = "is a directory" if target.is_dir() else "does not exist"
                yield problem(doc, path, f"file '{value}' {state} (looked in {base})", FIX_PATH)
                continue
            text = read_bounded(target, MAX_BYTES).decode("utf-8")  # bytes read, not stat; no FIFOs
        except InputError as exc:
            yield problem(doc, path, f"file '{value}': {exc.message}", exc.fix)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8"
            yield problem(doc, path, f"file '{value}' cannot be read: {reason}", None)
            continue
        message = {"manifest": _manifest_problem, "payloadsFile": _payloads_problem}.get(str(path[-1]))
        found = message(text) if message else None
        if found:
            yield problem(doc, path, f"'{value}': {found[0]}", found[1])


def _manifest_problem(text: str) -> tuple[str, str] | None:
    """The user's own manifest must be exactly one apps/v1 Deployment."""
    try:  # the same bounds as the engine's reader: depth, alias expansion, tags
        docs = [d for d in parse_yaml_documents(text, "manifest") if d is not None]
    except InputError as exc:
        where = f" at line {exc.location.line}" if exc.location and exc.location.line else ""
        return f"{exc.message}{where}", exc.fix or "fix the manifest's YAML"
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return (
            f"expected one Deployment, found {len(docs)} document(s)",
            "keep only the Deployment in this file",
        )
    kind, api = docs[0].get("kind"), docs[0].get("apiVersion")
    if (api, kind) != ("apps/v1", "Deployment"):
        return (
            f"expected apiVersion apps/v1, kind Deployment; got {api} {kind}",
            "point at a Deployment manifest",
        )
    containers = (((docs[0].get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")
    if not isinstance(containers, list) or not containers:
        return "the Deployment has no containers", "add spec.template.spec.containers"
    return None


def _payloads_problem(text: str) -> tuple[str, str] | None:
    """JSON Lines: one JSON object per non-blank line, at least one."""
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            return f"line {number} is not JSON ({exc.args[0].split(':')[0]})", "one JSON object per line"
        if not isinstance(value, dict):
            return f"line {number} is not a JSON object", "one JSON object (a request body) per line"
        count += 1
    return None if count else ("no payloads in the file", "add one JSON request body per line")
