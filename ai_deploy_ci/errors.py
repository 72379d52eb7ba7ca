"""Errors that end a command, and the one place that turns them into exit codes and messages.

Commands raise `UserError` subclasses; `cli.main` prints them (as `::error` workflow commands
too when running under GitHub Actions) and exits with their code. Anything else is a bug and
still gets a one-line message, never a traceback, unless AI_DEPLOY_CI_DEBUG is set.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None  # 1-based
    col: int | None = None  # 1-based

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class UserError(Exception):
    """A failure the user can fix; `fix` says how."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.location = location

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f"\n  fix: {self.fix}" if self.fix else ""
        return f"error: {where}{self.message}{hint}"


class InputError(UserError):
    """Unreadable input: a missing file, bad YAML encoding, a directory with no results."""

    exit_code = 2


class ValidationFailed(UserError):
    """deploy.yaml broke the contract; the individual problems were already printed."""

    exit_code = 1


class NothingToPromote(UserError):
    """`promote` with no rollout paused for approval: nothing ran, nothing was rolled back
    (exit 1 like any usage mistake, not 3, which says "cluster error (rolled back)")."""


class ClusterError(UserError):
    """The cluster refused or failed; the run rolled back (or says what it left)."""

    exit_code = 3


class RegressionDetected(UserError):
    """The judge said FAIL (or INCONCLUSIVE under a failing policy); the job must fail."""

    exit_code = 4


class LockHeld(UserError):
    """Another run drives this model."""

    exit_code = 5


def api_error(exc: BaseException) -> UserError | None:
    """A Kubernetes `ApiException` (matched by shape: this module must not import kubernetes) as a
    ClusterError with the fix for its status; None for anything else."""
    status = getattr(exc, "status", None)
    if type(exc).__name__ != "ApiException" or not isinstance(status, int):
        return None
    fixes = {
        401: "the kubeconfig's credentials are wrong or expired: get a fresh kubeconfig",
        403: "grant the deploying identity the permissions in docs/rbac.yaml",
        404: "check metadata.namespace exists and the CRDs the router needs are installed",
    }
    reason = getattr(exc, "reason", "") or ""
    return ClusterError(f"the Kubernetes API refused a request: HTTP {status} {reason}".rstrip(),
                        fix=fixes.get(status, "check the API server and your permissions; re-run to resume"))


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def escape_data(value: str) -> str:
    """Escape a workflow-command message (GitHub's `escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow-command property (GitHub's `escapeProperty`)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, location: Location | None = None, title: str | None = None) -> str:
    """A `::error file=…,line=…,col=…::message` line (level: error, warning, notice)."""
    props = []
    if location is not None:
        props.append(f"file={escape_property(location.file)}")
        if location.line is not None:
            props.append(f"line={location.line}")
            if location.col is not None:
                props.append(f"col={location.col}")
    if title:
        props.append(f"title={escape_property(title)}")
    joined = " " + ",".join(props) if props else ""
    return f"::{level}{joined}::{escape_data(message)}"


def report(error: UserError) -> int:
    """Print a UserError for people (stderr) and for GitHub (stdout annotation); return its code."""
    print(error.render(), file=sys.stderr)
    if in_github_actions():
        text = error.message + (f" — fix: {error.fix}" if error.fix else "")
        print(annotation("error", text, error.location), flush=True)
    return error.exit_code
