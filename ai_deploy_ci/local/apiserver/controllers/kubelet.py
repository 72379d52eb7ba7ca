"""Kubelet: starts pods bound to a node, reports container states, readiness, restarts and phases.

Sample-model-server containers run for real (see runtime.py) and become Ready when their readiness
probe succeeds. Other images run nothing and become Ready `initialDelaySeconds` of cluster time
after start (at once without a probe). Pods with restartPolicy Never/OnFailure and no process
succeed one cluster second after starting. Fault knobs make pods never ready, crash-loop, or fail
to pull their image. Restarts back off 10 s, 20 s, 40 s … 300 s of cluster time, as a real kubelet.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
from typing import Any

from ..store import Obj
from .base import Controller, set_condition
from .events import Recorder
from .kubelet_states import run_state
from .pod_state import PodState
from .runtime import Runtime, is_real


def _env(container: Obj, pod: Obj, ip: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in container.get("env") or []:
        if "value" in e:
            out[e["name"]] = str(e["value"])
            continue
        ref = (e.get("valueFrom") or {}).get("fieldRef") or {}
        path = ref.get("fieldPath", "")
        values = {
            "metadata.name": pod["metadata"]["name"],
            "metadata.namespace": pod["metadata"]["namespace"],
            "status.podIP": ip,
            "spec.nodeName": pod["spec"].get("nodeName", ""),
            "metadata.uid": pod["metadata"]["uid"],
        }
        if path in values:
            out[e["name"]] = values[path]
        elif path.startswith("metadata.labels['"):
            out[e["name"]] = (pod["metadata"].get("labels") or {}).get(path[17:-2], "")
    return out


class Kubelet(Controller):
    def __init__(self, api: Any, recorder: Recorder, runtime: Runtime) -> None:
        super().__init__(api)
        self.events = recorder
        self.runtime = runtime
        self.pod_rt = self.rt("", "v1", "pods")
        self.state: dict[str, PodState] = {}
        api.log_source = self._logs

    def _logs(self, pod: Obj, container: str) -> str:
        text = self.runtime.logs(pod["metadata"]["uid"], container)
        if text or any(is_real(c) for c in pod["spec"].get("containers", [])):
            return text
        st = self.state.get(pod["metadata"]["uid"])
        return (
            f"[ai-deploy-ci local kubelet] container {container} has no process "
            "(image is not the sample model "
            f"server){'' if st is None else f'; restarts: {st.restarts}'}\n"
        )

    def sync(self, now: float) -> float | None:
        wake: float | None = None
        pods = self.api.store.list(self.pod_rt.key)
        for pod in pods:
            if not pod["spec"].get("nodeName"):
                continue
            pod = self.api.render(self.pod_rt, pod)
            if pod["metadata"].get("deletionTimestamp"):
                self._terminate(pod, now)
                continue
            if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
                continue
            due = self._sync_pod(pod, now)
            if due is not None:
                wake = due if wake is None else min(wake, due)
        live = {p["metadata"]["uid"] for p in pods}
        for uid in [u for u in self.state if u not in live]:
            self.state.pop(uid, None)
        return wake

    def _terminate(self, pod: Obj, now: float) -> None:
        uid = pod["metadata"]["uid"]
        grace = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        wall = min(grace, max(self.api.clock.wall_seconds(grace), 1.0)) if grace else 0.0
        if self.runtime.stop(uid, wall):
            with contextlib.suppress(LookupError):
                self.api.store.delete(self.pod_rt.key, pod["metadata"]["namespace"], pod["metadata"]["name"])
            self.state.pop(uid, None)

    def _sync_pod(self, pod: Obj, now: float) -> float | None:
        uid = pod["metadata"]["uid"]
        fault = self.api.faults.pod_fault(pod)
        containers = pod["spec"].get("containers") or []
        status = copy.deepcopy(pod.get("status") or {})
        stamp = self.api.clock.stamp(now)
        st = self.state.get(uid)
        wake: float | None = None
        if st is None:
            ports = [int(p["containerPort"]) for c in containers for p in c.get("ports") or []]
            if any(is_real(c) and not c.get("ports") for c in containers):
                ports.append(8080)
            ip = status.get("podIP") or self.api.pod_ips.allocate(ports)
            st = self.state[uid] = PodState(ip, now)
            status.update(
                {"podIP": ip, "podIPs": [{"ip": ip}], "hostIP": self._host_ip(pod), "startTime": stamp}
            )
            for c in containers:
                self.events.event(pod, "Normal", "Pulling", f'Pulling image "{c["image"]}"', "kubelet")
            if fault is None or fault.kind != "image_pull":
                self._start_all(pod, st)
        if fault is not None and fault.kind == "image_pull":
            reason = "ErrImagePull" if st.restarts == 0 else "ImagePullBackOff"
            for c in containers:
                self.events.event(
                    pod,
                    "Warning",
                    "Failed",
                    f'Failed to pull image "{c["image"]}": rpc error: code = '
                    f'NotFound desc = failed to pull and unpack image "{c["image"]}": not found',
                    "kubelet",
                )
                if st.restarts:
                    self.events.event(
                        pod, "Normal", "BackOff", f'Back-off pulling image "{c["image"]}"', "kubelet"
                    )
            status["phase"] = "Pending"
            status["containerStatuses"] = [
                self._cstatus(
                    c,
                    {"waiting": {"reason": reason, "message": f'Back-off pulling image "{c["image"]}"'}},
                    False,
                    0,
                )
                for c in containers
            ]
            ready = False
            if st.restarts == 0:
                st.restarts = 1
                wake = 0.5
        else:
            ready, wake = self._run_state(pod, st, status, fault, now, stamp)
        conds = status.get("conditions") or []
        for ctype, value in (
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", "True" if ready else "False"),
            ("ContainersReady", "True" if ready else "False"),
            ("PodScheduled", "True"),
        ):
            cond: Obj = {"type": ctype, "status": value, "lastProbeTime": None}
            names = " ".join(c["name"] for c in containers)
            if ctype in ("Ready", "ContainersReady") and not ready:
                cond.update(
                    {
                        "reason": "ContainersNotReady",
                        "message": f"containers with unready status: [{names}]",
                    }
                )
            conds = set_condition(conds, cond, stamp)
        status["conditions"] = conds
        status.setdefault("qosClass", "BestEffort")
        self.write_status(self.pod_rt, pod, status)
        return wake

    def _host_ip(self, pod: Obj) -> str:
        node = self.api.store.get(("", "nodes"), "", pod["spec"]["nodeName"]) or {}
        return next(
            (a["address"] for a in node.get("status", {}).get("addresses", []) if a["type"] == "InternalIP"),
            "127.30.0.1",
        )

    def _start_all(self, pod: Obj, st: PodState) -> None:
        fault = self.api.faults.pod_fault(pod)
        for c in pod["spec"].get("containers") or []:
            if is_real(c) and (fault is None or fault.kind != "crash_loop"):
                self.runtime.start(pod["metadata"]["uid"], c, st.ip, _env(c, pod, st.ip))
            self.events.event(
                pod,
                "Normal",
                "Pulled",
                f'Container image "{c["image"]}" already present on machine',
                "kubelet",
            )
            self.events.event(pod, "Normal", "Created", f"Created container: {c['name']}", "kubelet")
            self.events.event(pod, "Normal", "Started", f"Started container {c['name']}", "kubelet")

    def _cstatus(self, c: Obj, state: Obj, ready: bool, restarts: int, last: Obj | None = None) -> Obj:
        digest = hashlib.sha256(c["image"].encode()).hexdigest()
        return {
            "name": c["name"],
            "image": c["image"],
            "imageID": f"{c['image']}@sha256:{digest}",
            "containerID": f"containerd://{digest[:32]}"
            if "running" in state or "terminated" in state
            else None,
            "ready": ready,
            "started": "running" in state,
            "restartCount": restarts,
            "state": state,
            "lastState": last or {},
        }

    def _run_state(
        self, pod: Obj, st: PodState, status: Obj, fault: Any, now: float, stamp: str
    ) -> tuple[bool, float | None]:
        return run_state(self, pod, st, status, fault, now, stamp)
