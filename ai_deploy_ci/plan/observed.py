"""What a strategy may know about the world: the run's identity and the cluster as read.

`plan(spec, state)` stays pure because the executor reads the cluster first and hands the
result in here; tests build these by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ai_deploy_ci.plan.model import LABEL_VERSION, Manifest


@dataclass(frozen=True)
class RunInfo:
    """Who is deploying: stamped on every object as annotations (never on pod templates)."""

    run_id: str
    commit: str | None = None
    pull_request: int | None = None

    @classmethod
    def from_env(cls, run_id: str | None = None, env: Mapping[str, str] = os.environ) -> RunInfo:
        """From GitHub Actions' variables; a re-run of the same workflow run keeps its id."""
        rid = run_id or env.get("GITHUB_RUN_ID") or "local"
        pr = None
        match = re.fullmatch(r"refs/pull/(\d+)/(merge|head)", env.get("GITHUB_REF", ""))
        if match:
            pr = int(match.group(1))
        return cls(run_id=rid, commit=env.get("GITHUB_SHA") or None, pull_request=pr)


@dataclass(frozen=True)
class ObservedState:
    """The cluster as the run found it.

    `stable` is the live stable Deployment (None on a first deploy, which every strategy turns
    into a plain create-and-wait: there is nothing to compare or roll back to).
    `manifest` is the user's own Deployment manifest when `server.manifest` is set, already read.
    `hpa` is the live autoscaling/v2 HorizontalPodAutoscaler whose scaleTargetRef is the stable
    Deployment, if any (`ai_deploy_ci.plan.autoscaling` says what a run does with it).
    """

    run: RunInfo
    stable: Manifest | None = None
    manifest: Manifest | None = None
    objects: dict[str, Manifest] = field(default_factory=dict)  # other live objects by "Kind/name"
    hpa: Manifest | None = None

    @property
    def baseline_version(self) -> str | None:
        if self.stable is None:
            return None
        labels = self.stable.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        value = labels.get(LABEL_VERSION) or self.stable.get("metadata", {}).get("labels", {}).get(
            LABEL_VERSION
        )
        return str(value) if value is not None else None
