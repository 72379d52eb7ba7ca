"""The deploy process the crash test kills.

`python -m tests.integration.engine.crash_driver` is a small fork server: it imports everything
once, then for each JSON line on stdin forks a child that runs `pipeline.deploy`, prints
`pid <pid>`, waits, and prints `exit <status>` (negative: killed by that signal; an error the CLI
maps to an exit code exits with it, e.g. 4 for RegressionDetected). `"gate": "fail"` makes the
run's first analysis say FAIL, so the child rolls back. Forking keeps
each of the test's many iterations from paying seconds of interpreter start-up and imports,
while the deploy still runs in its own process, so SIGKILL is real: no finally blocks, no lease
release, connections cut mid-request.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.client import api_client
from ai_deploy_ci.errors import UserError
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.scenarios import crash_spec


def run(job: dict[str, str]) -> None:
    kube = Kube(api_client(job["kubeconfig"]), deadline=10, request_timeout=2.0, backoff=0.02)
    opts = Options(
        results_dir=Path(job["results"]),
        time_scale=float(job["scale"]),
        lock_seconds=30,
        poll=0.03,
        on_event=lambda _m: None,
    )
    spec = crash_spec(job["namespace"], job["strategy"], job["router"], "2.0.0")
    gate = scripted(Verdict.FAIL) if job.get("gate") == "fail" else scripted()
    deploy(spec, kube, RunInfo(job["run_id"]), gate, opts)


def serve() -> int:
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: the deploy process
            code = 0
            try:
                run(job)
            except UserError as exc:
                code = exc.exit_code
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exit {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
