"""The `--local` overlay: any deploy.yaml made runnable on the embedded environment.

The examples name real images (vLLM, Triton, a team's own server), GPUs, node selectors and
volumes that the local cluster cannot provide. The overlay keeps what the rollout is about —
strategy, router, hosts, probes' paths, protocol, payloads, metrics — and swaps what it cannot
run for the sample model server, which speaks the same protocols (JSON predict, Open Inference
v2, OpenAI-compatible streaming) and reports `x-model-version`. It works on the YAML document
before validation, so the result goes through the same schema and checks a user's file does.

Pure: a dict in, a new dict out (`demo --file`, the e2e matrix and `local-cluster` users share it).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

SAMPLE_IMAGE = "ai-deploy-ci/sample-model-server:latest"
# Inputs the sample model understands, per protocol (OpenAI prompts are free text: kept).
_PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "json": [{"text": "great movie"}, {"text": "terrible plot"}],
    "open-inference-v2": [
        {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}]},
        {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [6.7, 3.0, 5.2, 2.3]}]},
    ],
}
_UNRUNNABLE = ("command", "args", "volumes", "nodeSelector", "tolerations")


def local_overlay(doc: dict[str, Any], *, version: str | None = None,
                  behaviour: dict[str, str] | None = None, max_replicas: int = 2,
                  base_dir: Path | None = None) -> dict[str, Any]:
    """`doc` with the sample model server in place of the user's image.

    `version` replaces `server.version` (and the server's MODEL_VERSION, which it echoes in
    `x-model-version`); `behaviour` adds sample-server knobs (EXTRA_LATENCY_MS, ERROR_RATE,
    WRONG_OUTPUT_RATE); replicas are capped at `max_replicas` so a 2-core machine can hold
    baseline and candidate; with `base_dir` (the original file's directory), relative files
    (payloads, locustfile, manifest) are made absolute so the result can be written elsewhere.
    Everything about the rollout itself is left as written.
    """
    out = copy.deepcopy(doc)
    server = out.setdefault("server", {})
    server["image"] = SAMPLE_IMAGE
    if version is not None:
        server["version"] = version
    for key in _UNRUNNABLE:
        server.pop(key, None)
    server["resources"] = {"requests": {"cpu": "50m"}}
    if isinstance(server.get("replicas"), int):
        server["replicas"] = max(1, min(int(server["replicas"]), max_replicas))
    env = {str(k): str(v) for k, v in (server.get("env") or {}).items()}
    env["MODEL_VERSION"] = str(server.get("version", "v1"))
    if server.get("modelName"):
        env["MODEL_NAME"] = str(server["modelName"])
    env.update(behaviour or {})
    server["env"] = env
    # The sample server starts in well under a second: long startup budgets only slow a failure.
    probes = server.get("probes") or {}
    for probe in probes.values():
        if isinstance(probe, dict):
            probe["periodSeconds"] = 1
            probe.pop("initialDelaySeconds", None)
    server["terminationGracePeriodSeconds"] = min(int(server.get("terminationGracePeriodSeconds", 5)), 5)
    if "preStopSleepSeconds" in server:
        server["preStopSleepSeconds"] = min(int(server["preStopSleepSeconds"]), 1)
    load = out.setdefault("load", {})
    protocol = server.get("protocol", "json")
    if protocol in _PAYLOADS and not load.get("locustfile"):  # the sample model's own inputs
        load.pop("payloadsFile", None)
        load["payloads"] = copy.deepcopy(_PAYLOADS[protocol])
    if base_dir is not None:
        for section, key in ((load, "payloadsFile"), (load, "locustfile"), (server, "manifest")):
            if isinstance(section.get(key), str) and not Path(section[key]).is_absolute():
                section[key] = str((base_dir / section[key]).resolve())
    return out
