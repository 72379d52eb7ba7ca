"""Brownfield adoption: take over a Deployment and Service the user already runs, without an outage.

A team's own `recommender` Deployment and Service (`selector: app=recommender`) carry none of
the tool's labels. Moving the Service's selector to `track: stable` first pointed it at zero pods
(3,647 of 3,647 requests failed, issue #12). So before any selector moves, the running pods are
made to carry the labels the tool selects on: the live Deployment's pod template gains them — a
rolling restart under the user's own strategy, its selector (immutable) left as written — and the
step waits until that rollout is done. Only then do later steps point Services at those labels.

Pure: a step to prepend, or nothing when stable's pods already carry the labels.
"""

from __future__ import annotations

from dataclasses import replace

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.model import LABEL_MODEL, Manifest, Plan, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import Spec


def missing_labels(spec: Spec, stable: Manifest) -> dict[str, str]:
    """The tool's selector labels the live stable pod template lacks (empty: nothing to adopt)."""
    want = {**objects.selector(spec, "stable"), LABEL_MODEL: spec.metadata.name}
    have = (stable.get("spec", {}).get("template", {}).get("metadata") or {}).get("labels") or {}
    return {k: v for k, v in want.items() if have.get(k) != v}


def adopt(spec: Spec, state: ObservedState, plan: Plan) -> Plan:
    """`plan` with an adoption step first when the running pods lack the tool's labels."""
    if state.stable is None or not plan.steps:
        return plan
    missing = missing_labels(spec, state.stable)
    if not missing:
        return plan
    labelled = objects.strip(state.stable)
    tmeta = labelled["spec"]["template"].setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), **missing}
    labelled["metadata"].setdefault("annotations", {}).update(objects.run_annotations(state))
    selector = (state.stable.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
    shown = ", ".join(f"{k}={v}" for k, v in sorted(missing.items()))
    step = Step(
        kind="apply",
        description=(
            f"adopt your Deployment {plan.name}: add {shown} to its pod template (a rolling restart; "
            f"its selector {_labels(selector)} stays) before any Service selects on them"
        ),
        apply=(labelled,),
        wait_for=(plan.name,),
    )
    return replace(plan, steps=(step, *plan.steps))


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "}"
