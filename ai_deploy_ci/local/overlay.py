"""The `--local` overlay: any deploy.yaml made runnable on the embedded environment.

The examples name real images (vLLM, Triton, a team's own server), GPUs, node selectors and
volumes that the local cluster cannot provide. The overlay keeps what the rollout is about —
strategy, router, hosts, protocol, metrics, the user's own Deployment manifest — and swaps what it
cannot run for the sample model server, which speaks the same protocols (JSON predict, Open
Inference v2, OpenAI-compatible) and reports `x-model-version`: its image, health paths it serves,
inputs its model understands. It works on the YAML documents before validation, so the result
goes through the same schema and checks as a user's file.

Pure: dicts in, new dicts out (`demo --file` and the e2e matrix share it). Files the deploy.yaml
names relatively (`referenced_files`) must be copied beside the overlaid file by the caller.
"""

from __future__ import annotations

import copy
from typing import Any

SAMPLE_IMAGE = "ai-deploy-ci/sample-model-server:latest"
HEALTH_PATHS = ("/readyz", "/healthz", "/v2/health/ready", "/v2/health/live")  # what it serves
_UNRUNNABLE = ("command", "args", "volumes", "nodeSelector", "tolerations")
# Inputs the sample model understands, per protocol (OpenAI prompts are free text: kept).
_PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "json": [{"text": t} for t in ("great movie", "terrible plot", "loved every minute", "dull and slow",
                                   "a masterpiece", "fell asleep", "the cast shines", "waste of time")],
    "open-inference-v2": [
        {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}]},
        {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [6.7, 3.0, 5.2, 2.3]}]},
    ],
}
# Where the sample model's answer is (the agreement metric compares it across versions).
_ANSWER_PATHS = {"json": "$.predictions[0].label", "open-inference-v2": "$.outputs[1].data[0]"}
REFERENCES = (("load", "payloadsFile"), ("load", "locustfile"), ("server", "manifest"))


def local_overlay(doc: dict[str, Any], *, version: str | None = None,
                  behaviour: dict[str, str] | None = None, max_replicas: int = 2) -> dict[str, Any]:
    """`doc` with the sample model server in place of the user's image.

    `version` replaces `server.version` (and the server's MODEL_VERSION, which it echoes in
    `x-model-version`); `behaviour` adds sample-server knobs (EXTRA_LATENCY_MS, ERROR_RATE,
    WRONG_OUTPUT_RATE); replicas are capped at `max_replicas` so a small machine holds baseline
    and candidate. With `server.manifest` the image lives in that file: see `local_manifest`.
    """
    out = copy.deepcopy(doc)
    server = out.setdefault("server", {})
    if version is not None:
        server["version"] = version
    if not server.get("manifest"):
        server["image"] = SAMPLE_IMAGE
        for key in _UNRUNNABLE:
            server.pop(key, None)
        server["resources"] = {"requests": {"cpu": "50m"}}
        if isinstance(server.get("replicas"), int):
            server["replicas"] = max(1, min(int(server["replicas"]), max_replicas))
        env = {str(k): str(v) for k, v in (server.get("env") or {}).items()}
        server["env"] = {**env, **_knobs(server, behaviour)}
        for probe in (server.get("probes") or {}).values():
            if isinstance(probe, dict):
                _local_probe(probe)
        server["terminationGracePeriodSeconds"] = min(int(server.get("terminationGracePeriodSeconds", 5)), 5)
        if "preStopSleepSeconds" in server:
            server["preStopSleepSeconds"] = min(int(server["preStopSleepSeconds"]), 1)
    load = out.setdefault("load", {})
    protocol = server.get("protocol", "json")
    if protocol in _PAYLOADS and not load.get("locustfile"):  # the sample model's own inputs
        load.pop("payloadsFile", None)
        load["payloads"] = copy.deepcopy(_PAYLOADS[protocol])
    if isinstance(load.get("agreement"), dict) and protocol in _ANSWER_PATHS:
        load["agreement"]["jsonPath"] = _ANSWER_PATHS[protocol]
    return out


def local_manifest(deployment: dict[str, Any], doc: dict[str, Any], *,
                   behaviour: dict[str, str] | None = None, max_replicas: int = 2) -> dict[str, Any]:
    """The user's Deployment (`server.manifest`) with the sample server in its containers; its
    labels, selector and the rest stay as written (replicas capped at `max_replicas`)."""
    out = copy.deepcopy(deployment)
    spec = out.setdefault("spec", {})
    if isinstance(spec.get("replicas"), int):
        spec["replicas"] = max(1, min(int(spec["replicas"]), max_replicas))
    pod = spec.setdefault("template", {}).setdefault("spec", {})
    pod.pop("nodeSelector", None)
    pod.pop("tolerations", None)
    pod.pop("volumes", None)
    pod["terminationGracePeriodSeconds"] = min(int(pod.get("terminationGracePeriodSeconds", 5)), 5)
    server = doc.get("server") or {}
    for container in pod.get("containers") or []:
        container["image"] = SAMPLE_IMAGE
        for key in ("command", "args", "volumeMounts"):
            container.pop(key, None)
        container["resources"] = {"requests": {"cpu": "50m"}}
        env = [e for e in container.get("env") or [] if e.get("name") not in _knobs(server, behaviour)]
        container["env"] = env + [{"name": k, "value": v} for k, v in _knobs(server, behaviour).items()]
        for key in ("readinessProbe", "livenessProbe", "startupProbe"):
            http = (container.get(key) or {}).get("httpGet")
            if http is not None and http.get("path") not in HEALTH_PATHS:
                http["path"] = "/readyz"
        stop = (container.get("lifecycle") or {}).get("preStop", {}).get("sleep")
        if stop is not None:
            stop["seconds"] = min(int(stop.get("seconds", 1)), 1)
    return out


def referenced_files(doc: dict[str, Any]) -> list[str]:
    """The relative paths a deploy.yaml names (payloads, locustfile, manifest), to copy along."""
    out = []
    for section, key in REFERENCES:
        value = (doc.get(section) or {}).get(key)
        if isinstance(value, str):
            out.append(value)
    return out


def _knobs(server: dict[str, Any], behaviour: dict[str, str] | None) -> dict[str, str]:
    knobs = {"MODEL_VERSION": str(server.get("version", "v1"))}
    if server.get("modelName"):
        knobs["MODEL_NAME"] = str(server["modelName"])
    return {**knobs, **(behaviour or {})}


def _local_probe(probe: dict[str, Any]) -> None:
    if probe.get("path") not in HEALTH_PATHS:
        probe["path"] = "/readyz"
    probe["periodSeconds"] = 1
    probe.pop("initialDelaySeconds", None)
    probe.pop("port", None)
