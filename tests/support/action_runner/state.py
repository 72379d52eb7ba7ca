"""The runner's machine-wide state: directories, the `github` context, job env, logs, masks.

Kept apart from step execution so the contexts an expression sees, and the environment a
process gets, are built in one place (the two must agree, as they do on GitHub).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.action_runner.commands import (
    MAX_ANNOTATIONS_PER_STEP,
    Annotation,
    Masker,
    WorkflowCommand,
    annotation_from,
)
from tests.support.action_runner.evaluate import Scope
from tests.support.action_runner.results import StepResult

# The machine's environment reaches steps (proxies, CA bundles, package indexes), as a real
# runner's service environment does; an outer Actions run's own variables must not leak in.
_NOT_INHERITED = ("GITHUB_", "RUNNER_", "INPUT_", "ACTIONS_", "STATE_", "VIRTUAL_ENV")


@dataclass
class Frame:
    """One list of steps being run: a job's steps, or one invocation of a composite action."""

    label: str  # prefix of step names ("" for the job or the top-level action)
    contexts: dict[str, Any]  # inputs (+ matrix, needs, secrets, vars in a job)
    env: dict[str, str]  # workflow+job env, or the env a composite step passed down
    action_path: Path | None = None
    default_shell: str | None = None  # None: `shell:` is required (composite actions)
    default_workdir: str | None = None
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False


@dataclass
class RunnerState:
    workspace: Path
    temp: Path
    github: dict[str, Any]
    base_env: dict[str, str]
    cache_dir: Path
    artifact_dir: Path
    step_timeout: float = 600.0
    echo: bool = False
    cache_enabled: bool = True
    job_env: dict[str, str] = field(default_factory=dict)  # from $GITHUB_ENV
    path: list[str] = field(default_factory=list)  # from $GITHUB_PATH
    masker: Masker = field(default_factory=Masker)
    log: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    results: list[StepResult] = field(default_factory=list)
    post: list[tuple[str, str, Callable[[], object]]] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def create(cls, workspace: Path, *, temp: Path | None, token: str, event_name: str,
               event: dict[str, Any], repository: str, api_url: str, sha: str, ref: str,
               env: dict[str, str] | None, **kw: Any) -> RunnerState:
        temp = temp or Path(tempfile.mkdtemp(prefix="runner-temp-"))
        temp.mkdir(parents=True, exist_ok=True)
        event_path = temp / f"event-{uuid.uuid4().hex[:8]}.json"
        event_path.write_text(json.dumps(event))
        ref_name = ref.split("/", 2)[-1]
        github = {
            "token": token, "repository": repository, "repository_owner": repository.split("/")[0],
            "event_name": event_name, "event": event, "event_path": str(event_path), "sha": sha, "ref": ref,
            "ref_name": ref_name, "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
            "head_ref": (event.get("pull_request") or {}).get("head", {}).get("ref", ""),
            "base_ref": (event.get("pull_request") or {}).get("base", {}).get("ref", ""),
            "workspace": str(workspace), "api_url": api_url, "server_url": "https://github.com",
            "graphql_url": api_url.rstrip("/") + "/graphql", "run_id": "1000", "run_number": "1",
            "run_attempt": "1", "actor": "octocat", "triggering_actor": "octocat", "job": "job",
            "workflow": "test", "action": "", "action_path": "", "action_repository": "",
            "retention_days": "90",
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED) and k != "CI"}
        base.setdefault("PATH", os.defpath)
        state = cls(workspace=workspace, temp=temp, github=github, base_env={**base, **(env or {})},
                    cache_dir=kw.pop("cache_dir", None) or temp / "_cache",
                    artifact_dir=kw.pop("artifact_dir", None) or temp / "_artifacts", **kw)
        if token:
            state.masker.add(token)
        return state

    def runner_context(self) -> dict[str, str]:
        return {"os": "Linux", "arch": "X64", "name": "local-action-runner", "temp": str(self.temp),
                "tool_cache": str(self.temp / "_tool"), "debug": "", "environment": "self-hosted"}

    def scope(self, frame: Frame, step_env: dict[str, str] | None = None, status: bool = True) -> Scope:
        github = dict(self.github)
        if frame.action_path is not None:
            github["action_path"] = str(frame.action_path)
        contexts: dict[str, Any] = {
            "github": github, "runner": self.runner_context(),
            "env": {**self.job_env, **frame.env, **(step_env or {})},
            "job": {"status": "failure" if frame.failed else "success"},
            "steps": frame.steps, **frame.contexts,
        }
        contexts.setdefault("inputs", {})
        return Scope(contexts, failed=frame.failed, cancelled=self.cancel.is_set(),
                     workspace=self.workspace, allowed_status=status)

    def process_env(self, frame: Frame, step_env: dict[str, str], action_name: str) -> dict[str, str]:
        """Precedence as on GitHub: $GITHUB_ENV < workflow/job (or inherited) env < step env."""
        g = self.github
        defaults = {
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_PATH": g["event_path"], "GITHUB_EVENT_NAME": g["event_name"],
            "GITHUB_REPOSITORY": g["repository"], "GITHUB_REPOSITORY_OWNER": g["repository_owner"],
            "GITHUB_API_URL": g["api_url"], "GITHUB_SERVER_URL": g["server_url"],
            "GITHUB_GRAPHQL_URL": g["graphql_url"], "GITHUB_SHA": g["sha"], "GITHUB_REF": g["ref"],
            "GITHUB_REF_NAME": g["ref_name"], "GITHUB_REF_TYPE": g["ref_type"],
            "GITHUB_HEAD_REF": g["head_ref"], "GITHUB_BASE_REF": g["base_ref"],
            "GITHUB_RUN_ID": g["run_id"], "GITHUB_RUN_NUMBER": g["run_number"],
            "GITHUB_RUN_ATTEMPT": g["run_attempt"], "GITHUB_ACTOR": g["actor"], "GITHUB_JOB": g["job"],
            "GITHUB_WORKFLOW": g["workflow"], "GITHUB_ACTION": action_name, "GITHUB_RETENTION_DAYS": "90",
            "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
            "RUNNER_NAME": "local-action-runner", "RUNNER_TOOL_CACHE": str(self.temp / "_tool"),
            "RUNNER_ENVIRONMENT": "self-hosted",
        }
        if frame.action_path is not None:
            defaults["GITHUB_ACTION_PATH"] = str(frame.action_path)
        env = {**self.base_env, **defaults, **self.job_env, **frame.env, **step_env}
        if self.path:
            env["PATH"] = os.pathsep.join([*reversed(self.path), env.get("PATH", os.defpath)])
        return env

    def emit(self, line: str) -> str:
        masked = self.masker(line)
        self.log.append(masked)
        if self.echo:
            print(masked, file=sys.stderr, flush=True)
        return masked

    def annotate(self, cmd: WorkflowCommand, step: str) -> None:
        cmd = WorkflowCommand(cmd.name, cmd.props, self.masker(cmd.message))
        same = [a for a in self.annotations if a.step == step and a.level == cmd.name]
        if len(same) < MAX_ANNOTATIONS_PER_STEP:
            self.annotations.append(annotation_from(cmd, step))
        self.emit(f"{cmd.name.capitalize()}: {cmd.message}")
