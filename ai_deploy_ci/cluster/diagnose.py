"""Why pods are not ready, in sentences a person can act on.

Reads pods of a Deployment, their events and (for crash loops) the last log lines, and turns
them into messages: unschedulable for lack of `nvidia.com/gpu`, image pull errors, crash loops,
failing readiness probes. `explain` is pure so the wording is unit-tested without a cluster.
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.plan.model import Manifest

LOG_LINES = 10


def deployment(kube: Kube, namespace: str, dep: Manifest) -> list[str]:
    """Problems of the pods a Deployment selects (best effort: diagnosis never raises)."""
    try:
        labels = dep.get("spec", {}).get("selector", {}).get("matchLabels", {})
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        core = kube.core()
        pods = kube.raw("list pods", core.list_namespaced_pod, namespace, label_selector=selector)["items"]
        events = kube.raw("list events", core.list_namespaced_event, namespace)["items"]
        logs = {}
        for pod in pods:
            for cs in pod.get("status", {}).get("containerStatuses", []):
                if (cs.get("state", {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff":
                    logs[pod["metadata"]["name"]] = _logs(
                        kube, namespace, pod["metadata"]["name"], cs["name"]
                    )
        return explain(pods, events, logs)
    except (ApiException, ClusterError, OSError, ValueError) as exc:
        return [f"could not read pods for diagnosis ({type(exc).__name__})"]


def explain(pods: list[Manifest], events: list[Manifest], logs: dict[str, str]) -> list[str]:
    out: list[str] = []
    for pod in pods:
        name = pod["metadata"]["name"]
        st = pod.get("status", {})
        for cond in st.get("conditions", []):
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
                msg = cond.get("message", "")
                if "nvidia.com/gpu" in msg:
                    out.append(f"pod {name} cannot be scheduled: not enough free nvidia.com/gpu ({msg})")
                else:
                    out.append(
                        f"pod {name} cannot be scheduled: {msg or cond.get('reason', 'Unschedulable')}"
                    )
        for cs in st.get("containerStatuses", []):
            waiting = cs.get("state", {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName"):
                out.append(
                    f"pod {name}: image {cs.get('image')} cannot be pulled ({waiting.get('message', reason)})"
                )
            elif reason == "CrashLoopBackOff":
                tail = logs.get(name, "").strip()
                last = f"; last log lines:\n{tail}" if tail else ""
                out.append(
                    f"pod {name}: container {cs['name']} keeps crashing "
                    f"(restarts: {cs.get('restartCount', 0)}){last}"
                )
            elif "running" in cs.get("state", {}) and not cs.get("ready"):
                probe = [
                    e.get("message", "")
                    for e in events
                    if e.get("involvedObject", {}).get("name") == name and e.get("reason") == "Unhealthy"
                ]
                detail = probe[-1] if probe else "the readiness probe has not succeeded yet"
                out.append(f"pod {name}: running but not ready: {detail}")
    return _dedupe(out)


def fix_for(problems: list[str]) -> str:
    text = " ".join(problems)
    if "nvidia.com/gpu" in text:
        return "free GPUs (scale something down), add GPU nodes, or lower server.replicas / resources.gpus"
    if "cannot be pulled" in text:
        return "check server.image (name and tag) and the cluster's pull secret for the registry"
    if "keeps crashing" in text:
        return "read the log lines above; run the image locally with the same env and args"
    if "not ready" in text:
        return "check server.probes.readiness (path, port) and the server's start-up time"
    return "kubectl describe the Deployment's pods for details"


def _logs(kube: Kube, namespace: str, pod: str, container: str) -> str:
    core = kube.core()
    for previous in (True, False):
        try:
            resp: Any = core.read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                tail_lines=LOG_LINES,
                previous=previous,
                _preload_content=False,
            )
            return str(resp.data.decode("utf-8", "replace"))
        except ApiException:
            continue
    return ""


def _dedupe(lines: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        seen.setdefault(line, None)
    return list(seen)
