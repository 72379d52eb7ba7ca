"""A run with its evidence: the availability probe around `engine.deploy`, and the deciding gate's
files at the top of the results directory, where the report reads them — whatever the outcome.

`ai-deploy-ci run`, `demo` and the tests all deploy through `deploy_with_evidence`, so what a user
sees in the report is produced by one code path.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ai_deploy_ci.artifacts import LOCUST_HTML, SAMPLES_FILE, SUMMARY_FILE, VERDICT_FILE
from ai_deploy_ci.gates import Gate, availability
from ai_deploy_ci.pipeline import engine
from ai_deploy_ci.spec.model import Spec

if TYPE_CHECKING:
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.plan.observed import RunInfo


def promote_last_gate(results: Path) -> None:
    """Copy the deciding (last judged) gate's files to the top level, where the report reads them."""
    gates = sorted((p for p in (results / "gates").glob("*") if (p / VERDICT_FILE).is_file()),
                   key=lambda p: int(p.name) if p.name.isdigit() else -1)
    if not gates:
        return
    for name in (SUMMARY_FILE, VERDICT_FILE, SAMPLES_FILE, LOCUST_HTML):
        if (gates[-1] / name).is_file():
            shutil.copy2(gates[-1] / name, results / name)


def deploy_with_evidence(spec: Spec, kube: Kube, run: RunInfo, gate: Gate, opts: engine.Options, *,
                         availability_url: str | None = None) -> engine.Result:
    """`engine.deploy` with the availability probe around it (not on a dry run: it changes nothing
    users could notice) and the deciding gate's files promoted to the top level."""
    probe = None if opts.dry_run else availability.start(spec, kube, availability_url)
    if probe is not None:
        opts.on_event(f"availability probe: {probe.url}{probe.path} at {probe.rate:g}/s during the rollout")
    try:
        return engine.deploy(spec, kube, run, gate, opts)
    finally:
        promote_last_gate(opts.results_dir)
        if probe is not None:
            availability.record(opts.results_dir, probe.stop())
