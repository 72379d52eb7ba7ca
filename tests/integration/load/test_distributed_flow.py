"""The Kubernetes-Jobs path against the local API server: the objects are accepted (it validates
every write against the Kubernetes schemas), found by the collector's selector, and removed.
The local kubelet runs only sample-model-server images, so Locust pods do not really run here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.load import distributed
from ai_deploy_ci.load.config import RunConfig

apiserver = pytest.importorskip("ai_deploy_ci.local.apiserver")

RUN = distributed.DistributedRun(name="sentiment", namespace="default", image="ghcr.io/acme/adc:1", workers=2,
                                 labels={"app.kubernetes.io/managed-by": "ai-deploy-ci"})
CONFIG = RunConfig(targets={"baseline": "http://b", "candidate": "http://c"}, user_ref="m:C",
                   samples_dir="/x")


@pytest.fixture
def api_client() -> Iterator[Any]:
    handle = apiserver.start_api_server(nodes=1, gpus_per_node=0)
    try:
        yield handle.api_client()
    finally:
        handle.stop()


@pytest.mark.timeout(60)
def test_launch_collect_delete(api_client: Any, tmp_path: Path) -> None:
    from kubernetes import client

    objects = distributed.build_objects(RUN, CONFIG, "print('hi')")
    distributed.launch(api_client, objects)
    core, batch = client.CoreV1Api(api_client), client.BatchV1Api(api_client)
    cm = core.read_namespaced_config_map("sentiment-locust", "default")
    assert "locustfile.py" in (cm.data or {})
    svc = core.read_namespaced_service("sentiment-locust-master", "default")
    assert svc.spec is not None and [p.port for p in svc.spec.ports or []] == [distributed.MASTER_PORT]
    workers = batch.read_namespaced_job("sentiment-locust-workers", "default")
    assert workers.spec is not None and workers.spec.parallelism == 2
    assert distributed.collect(api_client, RUN, tmp_path) == []  # no Locust pods ran: nothing to fetch
    distributed.delete(api_client, objects)
    distributed.delete(api_client, objects)  # idempotent: 404s are fine
    names = [j.metadata.name for j in batch.list_namespaced_job("default").items if j.metadata]
    assert "sentiment-locust-master" not in names and "sentiment-locust-workers" not in names
