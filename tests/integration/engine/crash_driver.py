"""The deploy process the crash test kills: `python -m tests.integration.engine.crash_driver ARGS`.

A separate process (not a thread) so SIGKILL is real: no finally blocks, no lease release, the
TCP connection cut mid-request. Builds the same spec as the test and runs `pipeline.deploy`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.client import api_client
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from tests.integration.engine.scenarios import crash_spec


def main(argv: list[str]) -> int:
    kubeconfig, namespace, strategy, router, run_id, scale, results = argv
    kube = Kube(api_client(kubeconfig), deadline=10, request_timeout=2.0, backoff=0.02)
    opts = Options(results_dir=Path(results), time_scale=float(scale), lock_seconds=30, poll=0.03,
                   on_event=lambda _m: None)
    deploy(crash_spec(namespace, strategy, router, "2.0.0"), kube, RunInfo(run_id), scripted(), opts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
