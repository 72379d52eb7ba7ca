"""The deploy process the cancellation tests signal: `python -m tests.integration.engine.cancel_driver JOB`.

JOB is JSON: kubeconfig, namespace, strategy, router, results, hold (seconds each gate takes,
passing), and optionally `kill_in_gate` (the process SIGKILLs itself inside its first gate: a lost
runner). It runs `pipeline.deploy` in the main thread, as `ai-deploy-ci deploy` does, so the
engine's signal handling is the real one; it exits with the CLI's code for the error (130 for a
SIGINT-cancelled run, 143 for SIGTERM).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.client import api_client
from ai_deploy_ci.errors import UserError
from ai_deploy_ci.gates import GateRequest
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.cancel_specs import cancel_spec
from tests.unit.engine.specs import approval_canary


def main(job: dict[str, object]) -> int:
    kube = Kube(api_client(str(job["kubeconfig"])), deadline=10, request_timeout=2.0, backoff=0.02)
    opts = Options(results_dir=Path(str(job["results"])), time_scale=float(str(job.get("scale", 50))),
                   lock_seconds=int(str(job.get("lock_seconds", 30))), poll=0.03,
                   on_event=lambda m: print(m, file=sys.stderr, flush=True))
    if "deadline_slack" in job:
        opts.deadline_slack = float(str(job["deadline_slack"]))
    spec = cancel_spec(str(job["namespace"]), str(job["strategy"]), str(job["router"]), "2.0.0")
    if job.get("approval"):
        spec = approval_canary(spec)

    def gate(request: GateRequest) -> Verdict:
        print(f"gate {request.number}", flush=True)
        if job.get("kill_in_gate"):
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(float(str(job["hold"])))
        return Verdict.PASS

    print("driver: deploying", file=sys.stderr, flush=True)
    try:
        deploy(spec, kube, RunInfo(str(job.get("run_id", "run-cancel"))), gate, opts)
    except UserError as exc:
        print(exc.render(), file=sys.stderr, flush=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
