"""Converge one object to a desired manifest: create, replace or leave alone.

Optimistic concurrency: a replace carries the resourceVersion we read, so a concurrent writer's
change makes it fail with 409 and we re-read and decide again, instead of overwriting blindly.
A create that timed out may have happened: 409 AlreadyExists means "re-read", not "fail".
Writes that would change nothing are skipped (`same`), which makes re-runs after a crash cheap.
A route object is merged into the live one first (`ai_deploy_ci.routers.merge`: the user's other
rules stay) and it is the merged object that is compared and written. A Deployment an HPA
sizes (`ai_deploy_ci.plan.autoscaling.keep_scale`) is written with no fewer replicas than live.
"""

from __future__ import annotations

import copy
from typing import Literal

from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan import autoscaling
from ai_deploy_ci.plan.compare import EXACT_MAPS, RESTORE_MAPS, same
from ai_deploy_ci.plan.model import Manifest, ObjectRef
from ai_deploy_ci.routers import merge

Outcome = Literal["created", "updated", "unchanged", "deleted", "absent"]
ATTEMPTS = 8


def apply(kube: Kube, desired: Manifest, *, restore: bool = False) -> Outcome:
    """`restore`: a rollback's write, which must also take away labels and annotations the run
    added (a subset test called a user's pod template with our extra labels "unchanged")."""
    ref = ObjectRef.of(desired)
    exact = RESTORE_MAPS if restore else EXACT_MAPS
    other = merge.related(desired)
    for _ in range(ATTEMPTS):
        live = kube.get(ref)
        body = merge.merge(desired, live, kube.get(other) if other is not None else None)
        body = autoscaling.keep_scale(body, live)  # an HPA-sized Deployment keeps the live count
        try:
            if live is None:
                kube.create(body)
                return "created"
            if same(body, live, exact=exact):
                return "unchanged"
            kube.replace(_for_replace(body, live))
            return "updated"
        except ApiException as exc:
            if exc.status == 409:  # conflict or already exists: someone wrote first; decide again
                continue
            raise ClusterError(
                f"the API server refused {ref}: HTTP {exc.status} {_reason(exc)}",
                fix="this is likely a bug in ai-deploy-ci or a cluster policy (admission)",
            ) from exc
    raise ClusterError(
        f"{ref} kept changing under us ({ATTEMPTS} conflicts)",
        fix="another controller is writing this object; stop it or exclude the object",
    )


def delete(kube: Kube, ref: ObjectRef) -> Outcome:
    if kube.get(ref) is None:
        return "absent"
    return "deleted" if kube.delete(ref) else "absent"


def _for_replace(desired: Manifest, live: Manifest) -> Manifest:
    """The desired object with the live resourceVersion, plus fields the server owns."""
    body = copy.deepcopy(desired)
    body["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    if desired["kind"] == "Service":
        # Keep what we do not set (type LoadBalancer, allocated IPs, node ports, traffic policies):
        # the engine owns the selector and ports, not how the user exposes the Service.
        body["spec"] = {**live.get("spec", {}), **body["spec"]}
        node_ports = {
            p.get("port"): p["nodePort"] for p in live.get("spec", {}).get("ports", []) if "nodePort" in p
        }
        for port in body["spec"].get("ports", []):
            if port.get("port") in node_ports and "nodePort" not in port:
                port["nodePort"] = node_ports[port["port"]]  # a re-allocated node port breaks load balancers
    return body


def _reason(exc: ApiException) -> str:
    import json

    try:
        return str(json.loads(exc.body or "{}").get("message", exc.reason))
    except ValueError:
        return str(exc.reason)
