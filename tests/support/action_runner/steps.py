"""Run a list of steps (a job's, or a composite action's) with GitHub's step semantics.

`if:` defaults to `success()` of the *enclosing* list (a composite action sees its own steps),
`continue-on-error` turns a failed outcome into a successful conclusion, step outputs feed
`steps.<id>.outputs`, and `uses:` is a nested composite action or a local stand-in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.action_runner import builtins
from tests.support.action_runner.commands import Annotation, parse_workflow_command
from tests.support.action_runner.evaluate import condition, expand, expand_str
from tests.support.action_runner.parser import ExpressionError
from tests.support.action_runner.results import ActionRunnerError, StepResult
from tests.support.action_runner.shell import SHELLS, run_script
from tests.support.action_runner.state import Frame, RunnerState
from tests.support.action_runner.values import truthy


class StepRunner:
    def __init__(self, state: RunnerState, action_repos: dict[str, Path], checkout_source: Path | None):
        self.state = state
        self.action_repos = {k.lower(): v for k, v in action_repos.items()}
        self.checkout_source = checkout_source

    def run_steps(self, frame: Frame, steps: list[dict[str, Any]]) -> None:
        for index, raw in enumerate(steps or []):
            sid = raw.get("id")
            first_line = (str(raw.get("run", "")).strip().splitlines() or [""])[0]
            name = str(raw.get("name") or sid or raw.get("uses") or f"Run {first_line}")
            full = f"{frame.label}/{name}" if frame.label else name
            try:
                should = condition(raw.get("if"), self.state.scope(frame))
            except ExpressionError as exc:
                result = StepResult(full, sid, "failure", "failure", error=f"if: {exc}")
            else:
                if not should:
                    result = StepResult(full, sid, "skipped", "skipped")
                else:
                    self.state.emit(f"##[step] {full}")
                    result = self._run_one(frame, raw, full, sid or f"__step{index}")
                    result.id = sid
            if result.error:
                self.state.emit(f"##[error] {full}: {result.error}")
            if result.outcome == "failure":
                try:
                    if truthy(expand(raw.get("continue-on-error", False), self.state.scope(frame))):
                        result.conclusion = "success"
                except ExpressionError:
                    pass
            if result.conclusion in ("failure", "cancelled"):
                frame.failed = True
            if sid:
                frame.steps[sid] = result.context()
            self.state.results.append(result)

    def _run_one(self, frame: Frame, raw: dict[str, Any], full: str, action_name: str) -> StepResult:
        sid = raw.get("id")
        try:
            outer = self.state.scope(frame, status=False)
            step_env = {str(k): expand_str(v, outer) for k, v in (raw.get("env") or {}).items()}
            scope = self.state.scope(frame, step_env, status=False)
            if "run" in raw:
                return self._run_script(frame, raw, full, action_name, step_env, scope)
            if "uses" in raw:
                with_ = {str(k): expand_str(v, scope) for k, v in (raw.get("with") or {}).items()}
                outcome, outputs = self.run_uses(str(raw["uses"]), with_, frame, step_env, full)
                return StepResult(full, sid, outcome, outcome, outputs)
            raise ActionRunnerError("a step needs `run:` or `uses:`")
        except (ExpressionError, ActionRunnerError, OSError, yaml.YAMLError) as exc:
            self.state.annotations.append(_annotation(str(exc), full))
            return StepResult(full, sid, "failure", "failure", error=str(exc))

    def _run_script(self, frame: Frame, raw: dict[str, Any], full: str, action_name: str,
                    step_env: dict[str, str], scope: Any) -> StepResult:
        script = expand_str(raw["run"], scope)
        shell = expand_str(raw.get("shell"), scope) if raw.get("shell") else frame.default_shell
        if shell is None:
            raise ActionRunnerError("`shell:` is required for run steps in a composite action")
        workdir = expand_str(raw.get("working-directory") or frame.default_workdir or "", scope)
        cwd = (self.state.workspace / workdir) if workdir else self.state.workspace
        minutes = raw.get("timeout-minutes")
        timeout = float(expand(minutes, scope)) * 60 if minutes is not None else self.state.step_timeout
        log: list[str] = []
        stopped: list[str] = []

        def on_line(line: str) -> None:
            cmd = parse_workflow_command(line)
            if cmd is not None and stopped and cmd.name == stopped[0]:
                stopped.clear()
                return
            if cmd is None or stopped:
                log.append(self.state.emit(line))
            elif cmd.name == "add-mask":
                self.state.masker.add(cmd.message)
            elif cmd.name == "stop-commands":
                stopped.append(cmd.message)
            elif cmd.name in ("error", "warning", "notice"):
                self.state.annotate(cmd, full)
            elif cmd.name == "group":
                log.append(self.state.emit(f"▶ {cmd.message}"))
            elif cmd.name not in ("endgroup", "debug", "echo"):
                log.append(self.state.emit(line))

        env = self.state.process_env(frame, step_env, action_name)
        out = run_script(script, shell=SHELLS.get(shell, shell), env=env, cwd=cwd, temp=self.state.temp,
                         on_line=on_line, timeout=timeout, cancel=self.state.cancel)
        for name, value in out.env.items():  # GitHub refuses to let GITHUB_ENV change its own variables
            if name.startswith(("GITHUB_", "RUNNER_")):
                self.state.annotations.append(_annotation(f"GITHUB_ENV cannot set {name}", full, "warning"))
            else:
                self.state.job_env[name] = value
        self.state.path.extend(out.path)
        if out.summary:
            self.state.summary.append(out.summary)
        ok = out.exit_code == 0 and not out.error
        outcome = "cancelled" if out.cancelled else "success" if ok else "failure"
        error = out.error
        if outcome == "failure" and error is None:
            error = f"Process completed with exit code {out.exit_code}."
            self.state.annotations.append(_annotation(error, full))
        return StepResult(full, raw.get("id"), outcome, outcome, out.outputs, out.exit_code, error, log)

    def run_uses(self, uses: str, with_: dict[str, str], frame: Frame, step_env: dict[str, str],
                 label: str) -> tuple[str, dict[str, str]]:
        if uses.startswith("docker://"):
            raise ActionRunnerError(f"{uses}: docker actions are not supported by the local runner")
        if uses.startswith("./") or uses == ".":
            return self.run_composite(self.state.workspace / uses, with_, {**frame.env, **step_env}, label)
        repo_path, _, _ref = uses.partition("@")
        parts = repo_path.split("/")
        repo = "/".join(parts[:2]).lower()
        if repo in self.action_repos:
            path = self.action_repos[repo].joinpath(*parts[2:])
            return self.run_composite(path, with_, {**frame.env, **step_env}, label)
        builtin = builtins.builtin_for(uses)
        if builtin is None:
            raise ActionRunnerError(f"{uses}: not available in the local action runner (supported: "
                                    f"{', '.join(sorted(builtins.BUILTINS))}, local ./ paths, and "
                                    f"repositories mapped with action_repos)")
        ctx = builtins.BuiltinContext(
            self.state.workspace, self.state.cache_dir if self.state.cache_enabled else None,
            self.state.artifact_dir, self.checkout_source,
            add_post=lambda when, fn: self.state.post.append((when, f"Post {label}", fn)),
            warn=lambda msg: self.state.annotations.append(_annotation(msg, label, "warning")),
            log=self.state.emit)
        return "success", builtin(ctx, with_)

    def run_composite(self, path: Path, with_: dict[str, str], env: dict[str, str],
                      label: str) -> tuple[str, dict[str, str]]:
        path = path.resolve()
        meta_file = next((p for p in (path / "action.yml", path / "action.yaml") if p.is_file()), None)
        if meta_file is None:
            raise ActionRunnerError(f"can't find action.yml or action.yaml under {path}")
        meta = yaml.safe_load(meta_file.read_text()) or {}
        runs = meta.get("runs") or {}
        if runs.get("using") != "composite":
            raise ActionRunnerError(f"{meta_file}: runs.using={runs.get('using')!r}; only composite")
        declared = meta.get("inputs") or {}
        unknown = sorted(set(with_) - set(declared))
        if unknown:
            self.state.annotations.append(_annotation(
                f"Unexpected input(s) {unknown}, valid inputs are {sorted(declared)}", label, "warning"))
        frame = Frame(label=label, contexts={}, env=dict(env), action_path=path)
        scope = self.state.scope(frame, status=False)
        inputs: dict[str, str] = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in with_:
                inputs[name] = with_[name]
            elif "default" in spec:
                inputs[name] = expand_str(spec["default"], scope)
            elif spec.get("required"):
                raise ActionRunnerError(f"{meta_file}: input {name!r} is required and was not supplied")
            else:
                inputs[name] = ""
        frame.contexts["inputs"] = inputs
        self.run_steps(frame, runs.get("steps") or [])
        final = self.state.scope(frame, status=False)
        outputs = {}
        for name, spec in (meta.get("outputs") or {}).items():
            try:
                outputs[name] = expand_str((spec or {}).get("value", ""), final)
            except ExpressionError as exc:
                raise ActionRunnerError(f"output {name}: {exc}") from exc
        cancelled = self.state.cancel.is_set()
        outcome = "cancelled" if cancelled and frame.failed else "failure" if frame.failed else "success"
        return outcome, outputs


def _annotation(message: str, step: str, level: str = "error") -> Annotation:
    """An annotation the runner itself raises (GitHub shows these for failed steps too)."""
    return Annotation(level, message, step)
