"""Locust beyond one machine: master and workers as Kubernetes Jobs in the deploy namespace.

A CI runner is too small to load a GPU fleet, so the generator runs next to the service:
the locustfile and run config go in a ConfigMap, one master Job plus a Service for the
workers to find it, and one worker Job with `parallelism = workers`. Workers send their
samples to the master over Locust's own messages (plugin.py, delivery.py: numbered frames,
produced vs delivered per worker), never through their logs. The master, when Locust exits,
prints its results directory (one sample file per worker, the ledger) base64-encoded between
markers, and the runner reads that one log. That last leg is still a pod log: at high rates
it can outgrow the kubelet's log rotation (docs/load-testing.md, "Distributed mode").
`build_objects` and `decode_log` are pure; `launch`/`collect`/`delete` take an ApiClient.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ai_deploy_ci.artifacts import LoadSummary
from ai_deploy_ci.load.config import CONFIG_ENV, RunConfig
from ai_deploy_ci.spec.model import Spec

BEGIN, END = "----- ai-deploy-ci samples begin", "----- ai-deploy-ci samples end"
MASTER_PORT = 5557
MANAGED_BY = "app.kubernetes.io/managed-by"
RESULTS = "/tmp/ai-deploy-ci"  # inside the pods: an emptyDir
_BLOCK = re.compile(re.escape(BEGIN) + r" (\S+)\n(.*?)\n" + re.escape(END), re.S)


@dataclass(frozen=True)
class DistributedRun:
    name: str  # prefix of every object: <name>-locust[-master|-workers]
    namespace: str
    image: str  # an image with ai-deploy-ci installed (the action's own image)
    workers: int
    labels: dict[str, str]


def dump_command() -> str:
    """Shell run by a pod after Locust: print each sample and meta file between markers."""
    files = f"{RESULTS}/raw/samples-*.frames {RESULTS}/raw/meta-*.json"
    return (f'for f in {files}; do [ -f "$f" ] || continue; '
            f'echo "{BEGIN} $(basename "$f")"; base64 -w0 "$f"; echo; echo "{END}"; done')


def _job(run: DistributedRun, name: str, role: str, args: list[str], completions: int) -> dict[str, Any]:
    labels = {**run.labels, "app.kubernetes.io/name": "locust", "app.kubernetes.io/instance": run.name,
              "ai-deploy-ci/locust-role": role}
    dump = f"; {dump_command()}" if role == "master" else ""  # workers' samples went to the master
    script = f"mkdir -p {RESULTS}/raw; python -m locust {' '.join(args)}; rc=$?{dump}; exit $rc"
    container = {
        "name": "locust", "image": run.image, "command": ["sh", "-c", script],
        "env": [{"name": CONFIG_ENV, "value": "/locust/config.json"}],
        "volumeMounts": [{"name": "locust", "mountPath": "/locust", "readOnly": True},
                         {"name": "results", "mountPath": RESULTS}],
        "resources": {"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
    }
    if role == "master":
        container["ports"] = [{"name": "locust", "containerPort": MASTER_PORT}]
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": run.namespace, "labels": labels},
        "spec": {
            "parallelism": completions, "completions": completions, "backoffLimit": 0,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "metadata": {"labels": labels},
                "spec": {"restartPolicy": "Never", "containers": [container],
                         "volumes": [{"name": "locust", "configMap": {"name": f"{run.name}-locust"}},
                                     {"name": "results", "emptyDir": {}}]},
            },
        },
    }


def build_objects(run: DistributedRun, config: RunConfig, locustfile: str) -> list[dict[str, Any]]:
    """ConfigMap, master Service, master Job, worker Job — in the order they must be created."""
    if run.workers < 1:
        raise ValueError("distributed mode needs at least one worker")
    pod_config = RunConfig(**{**json.loads(config.to_json()), "samples_dir": f"{RESULTS}/raw",
                              "processes": run.workers})
    master = f"{run.name}-locust-master"
    common = ["-f", "/locust/locustfile.py", "--headless", "--only-summary", "--stop-timeout", "2",
              "--exit-code-on-error", "0"]
    master_args = [*common, "--master", "--expect-workers", str(run.workers),
                   "--html", f"{RESULTS}/locust-report.html"]
    worker_args = [*common, "--worker", "--master-host", master, "--master-port", str(MASTER_PORT)]
    meta = {"namespace": run.namespace, "labels": dict(run.labels)}
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{run.name}-locust", **meta},
                 "data": {"locustfile.py": locustfile, "config.json": pod_config.to_json()}}
    selector = {"app.kubernetes.io/instance": run.name, "ai-deploy-ci/locust-role": "master"}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": master, **meta},
               "spec": {"selector": selector,
                        "ports": [{"name": "locust", "port": MASTER_PORT, "targetPort": MASTER_PORT}]}}
    return [configmap, service, _job(run, master, "master", master_args, 1),
            _job(run, f"{run.name}-locust-workers", "worker", worker_args, run.workers)]


def decode_log(text: str) -> dict[str, bytes]:
    """Sample files a worker printed into its log: {file name: gzip bytes}."""
    return {m.group(1): base64.b64decode(m.group(2).strip()) for m in _BLOCK.finditer(text)}


def launch(api_client: Any, objects: list[dict[str, Any]]) -> None:
    from kubernetes import utils  # only the cluster-facing path pays for the client

    for obj in objects:
        utils.create_from_dict(api_client, obj, namespace=obj["metadata"]["namespace"])


def wait_for_jobs(api_client: Any, run: DistributedRun, timeout: float) -> bool:
    """True when both Jobs finished (succeeded or failed) within `timeout` seconds."""
    from kubernetes import client

    batch = client.BatchV1Api(api_client)
    deadline = time.monotonic() + timeout
    names = [f"{run.name}-locust-master", f"{run.name}-locust-workers"]
    while time.monotonic() < deadline:
        done = 0
        for name in names:
            status = batch.read_namespaced_job(name, run.namespace).status
            if status is not None and (status.succeeded or status.failed):
                done += 1
        if done == len(names):
            return True
        time.sleep(2.0)
    return False


def collect(api_client: Any, run: DistributedRun, samples_dir: Path) -> list[Path]:
    """Write the files every Locust pod printed into `samples_dir`; returns the paths."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    selector = f"app.kubernetes.io/instance={run.name}"  # workers' samples, every pod's meta
    written: list[Path] = []
    for pod in core.list_namespaced_pod(run.namespace, label_selector=selector).items:
        pod_name = str(pod.metadata.name) if pod.metadata else ""
        log = core.read_namespaced_pod_log(pod_name, run.namespace, container="locust")
        for name, data in decode_log(log).items():
            path = samples_dir / f"{pod_name}-{name}"
            path.write_bytes(data)
            written.append(path)
    return written


def delete(api_client: Any, objects: list[dict[str, Any]]) -> None:
    """Remove what `launch` created (Jobs with their pods: propagation Background)."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core, batch = client.CoreV1Api(api_client), client.BatchV1Api(api_client)
    for obj in reversed(objects):
        name, ns = obj["metadata"]["name"], obj["metadata"]["namespace"]
        try:
            # the body (object or Status, depending on server version) is not needed
            if obj["kind"] == "Job":
                batch.delete_namespaced_job(name, ns, propagation_policy="Background", _preload_content=False)
            elif obj["kind"] == "Service":
                core.delete_namespaced_service(name, ns, _preload_content=False)
            else:
                core.delete_namespaced_config_map(name, ns, _preload_content=False)
        except ApiException as exc:
            if exc.status != 404:
                raise


def run_distributed_load_test(spec: Spec, out_dir: Path, api_client: Any, *, image: str, baseline_url: str,
                              candidate_url: str, duration: float | None = None, base_dir: Path,
                              timeout: float | None = None) -> LoadSummary:
    """Like `runner.run_load_test`, with Locust as Jobs in the spec's namespace; cleans up always."""
    from ai_deploy_ci.load import locustfile_gen, runner

    config = runner.spec_config(spec, out_dir, baseline_url=baseline_url, candidate_url=candidate_url,
                                duration=duration, base_dir=base_dir)
    runner.prepare(config, out_dir)
    run = DistributedRun(name=spec.metadata.name, namespace=spec.metadata.namespace, image=image,
                         workers=spec.load.distributed_workers, labels={MANAGED_BY: "ai-deploy-ci"})
    objects = build_objects(run, config, locustfile_gen.LOCUSTFILE)
    started = datetime.now(UTC)
    launch(api_client, objects)
    try:
        finished = wait_for_jobs(api_client, run, timeout or config.run_time + runner.STARTUP_GRACE + 120.0)
        collect(api_client, run, Path(config.samples_dir))
    finally:
        delete(api_client, objects)
    log = out_dir / "locust.log"
    log.write_text(f"distributed run: {run.workers} worker pods in {run.namespace}\n", encoding="utf-8")
    result = runner.LocustRun(returncode=0 if finished else None, started=started, ended=datetime.now(UTC),
                              log=log)
    label = locustfile_gen.user_kind(spec.load, spec.server.protocol)
    return runner.finish(config, out_dir, result, user_label=label, tolerance=spec.load.agreement.tolerance,
                         workers=run.workers)
