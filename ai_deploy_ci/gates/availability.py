"""Zero-downtime evidence: probe the public endpoint for the whole rollout (`pipeline.evidence`).

The probe starts before the first write and stops after promotion or rollback, so a selector
switch, a pod terminating with requests in flight, or a rollback that drops traffic all show
up as failed requests and a failure streak in the report. It probes only an endpoint that
answers before the run: on a first deploy there is nothing to keep available yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ai_deploy_ci.artifacts import SUMMARY_FILE, Availability
from ai_deploy_ci.gates import Endpoint
from ai_deploy_ci.gates.load_and_judge import reachable_url
from ai_deploy_ci.spec.model import Spec

if TYPE_CHECKING:
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.load.availability import AvailabilityProbe

AVAILABILITY_FILE = "availability.json"


def public_url(spec: Spec, kube: Kube, override: str | None = None) -> str | None:
    """`--availability-url`, else `load.availabilityProbe.url`, else the live public Service."""
    if override or spec.load.availability.url:
        return override or spec.load.availability.url
    service = spec.traffic_router.service or spec.metadata.name
    endpoint = Endpoint.resolver(kube, spec.metadata.namespace, spec.server.port)(service, None)
    if endpoint is None or endpoint.cluster_ip is None:  # no public Service yet: a first deploy
        return None
    return reachable_url(endpoint)


def start(spec: Spec, kube: Kube, override: str | None = None) -> AvailabilityProbe | None:
    if not spec.load.availability.enabled:
        return None
    url = public_url(spec, kube, override)
    if url is None:
        return None
    from ai_deploy_ci.load.availability import AvailabilityProbe

    probe = spec.load.availability
    return AvailabilityProbe(url, rate=probe.rate, timeout=probe.timeout, path=probe.path).start()


def record(results: Path, availability: Availability) -> None:
    """availability.json, and the same figures in the top-level summary.json the report reads."""
    (results / AVAILABILITY_FILE).write_text(json.dumps(availability, indent=2), encoding="utf-8")
    summary_path = results / SUMMARY_FILE
    if not summary_path.is_file():
        return
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError:
        return
    if isinstance(summary, dict):
        summary["availability"] = availability
        summary_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
