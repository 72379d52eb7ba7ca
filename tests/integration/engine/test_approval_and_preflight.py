"""Approval gates between jobs (pause → promote / rollback), the CLI, preflight refusals, diagnoses."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from ai_deploy_ci import cli
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError, NothingToPromote
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.pipeline import Options, deploy, promote, rollback
from ai_deploy_ci.plan.observed import RunInfo
from ai_deploy_ci.spec.model import CanaryStep, CanaryStrategy, Spec
from ai_deploy_ci.verdict import Verdict
from tests.integration.engine.conftest import TIME_SCALE, create_namespace, make_kube, objects_in
from tests.integration.engine.scenarios import assert_promoted, assert_restored, baseline, deploy_yaml


def _approval(spec: Spec) -> Spec:
    steps = (CanaryStep(set_weight=50), CanaryStep(pause=math.inf), CanaryStep(analysis=None))
    return replace(spec, strategy=replace(spec.strategy, canary=CanaryStrategy(steps=steps)))


def test_pause_then_promote_in_another_job(kube: Kube, namespace: str, options: Options) -> None:
    spec, before = baseline(kube, namespace, options, "canary", "nginx")
    spec = _approval(spec)
    assert deploy(spec, kube, RunInfo("job-1"), scripted(), options).record["outcome"] == "paused"
    assert "Ingress/sentiment-canary" in objects_in(kube, namespace)
    # a re-run of the deploy job while paused stays paused and changes nothing
    assert deploy(spec, kube, RunInfo("job-1"), scripted(), options).record["outcome"] == "paused"
    assert promote(spec, kube, RunInfo("job-2"), scripted(), options).record["outcome"] == "promoted"
    assert_promoted(kube, namespace, before)


def test_pause_then_reject(kube: Kube, namespace: str, options: Options) -> None:
    spec, before = baseline(kube, namespace, options, "canary", "istio")
    spec = _approval(spec)
    assert deploy(spec, kube, RunInfo("job-1"), scripted(), options).record["outcome"] == "paused"
    record = rollback(spec, kube, RunInfo("job-2"), options, reason="rejected by reviewer").record
    assert record["outcome"] == "rolled_back" and record["rollback"]["restored"]
    assert_restored(kube, namespace, before)
    with pytest.raises(NothingToPromote, match="nothing to promote, nothing changed"):
        promote(spec, kube, RunInfo("job-3"), scripted(), options)


def test_cli_plan_deploy_and_rollback(
    engine_cluster: ApiServerHandle, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps: list[dict[str, object]] = [{"setWeight": 50}, {"pause": {}}]
    path = deploy_yaml(tmp_path / "deploy.yaml", namespace, "1.0.0", steps)
    common = [
        "--kubeconfig",
        str(engine_cluster.kubeconfig_path),
        "--results",
        str(tmp_path / "r"),
        "--time-scale",
        str(TIME_SCALE),
    ]
    assert cli.main(["deploy", str(path), "--run-id", "cli-1", "--no-analysis", *common]) == 0
    assert cli.main(["plan", str(path), "--kubeconfig", str(engine_cluster.kubeconfig_path)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    deploy_yaml(path, namespace, "2.0.0", steps)
    assert cli.main(["plan", str(path), "--kubeconfig", str(engine_cluster.kubeconfig_path)]) == 0
    assert "50% to the candidate" in capsys.readouterr().out
    assert cli.main(["deploy", str(path), "--run-id", "cli-2", "--no-analysis", *common]) == 0
    assert "paused" in capsys.readouterr().out
    assert cli.main(["rollback", str(path), "--run-id", "cli-3", *common]) == 0
    assert "restored=True" in capsys.readouterr().out
    assert cli.main(["rollback", str(path), "--run-id", "cli-4", *common]) == 3  # nothing left to roll back


def test_preflight_names_denied_permissions(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    spec, before = baseline(kube, namespace, options, "canary", "gatewayAPI")
    engine_cluster.faults.deny("update", "httproutes", "gateway.networking.k8s.io")
    with pytest.raises(ClusterError, match=r"update httproutes\.gateway\.networking\.k8s\.io") as err:
        deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    assert "docs/rbac.yaml" in str(err.value.fix)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)


def test_preflight_names_missing_crds(tmp_path: Path) -> None:
    handle = start_api_server(nodes=1, gpus_per_node=0, time_scale=TIME_SCALE)  # no Istio CRDs
    try:
        kube = make_kube(handle)
        create_namespace(kube, "ml")
        opts = Options(results_dir=tmp_path, time_scale=TIME_SCALE, on_event=lambda _m: None)
        from tests.unit.engine.specs import make_spec

        with pytest.raises(ClusterError, match=r"virtualservices\.networking\.istio\.io"):
            deploy(
                make_spec("canary", "istio", namespace="ml", replicas=1), kube, RunInfo("r"), scripted(), opts
            )
        assert objects_in(kube, "ml") == {}, "preflight wrote something"
    finally:
        handle.stop()


def test_preflight_refuses_a_surge_without_gpus(kube: Kube, namespace: str, options: Options) -> None:
    # 2 nodes × 4 GPUs; stable runs 2 pods × 3 GPUs; blue/green needs 2 green pods + 1 surge pod × 3 GPUs
    spec, before = baseline(kube, namespace, options, "blueGreen", "service", gpus=3)
    with pytest.raises(ClusterError, match=r"needs 3 more pods × 3 nvidia.com/gpu = 9 GPUs") as err:
        deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    assert "free GPUs" in str(err.value.fix)
    assert_restored(kube, namespace, before)


def test_image_pull_error_is_explained(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    spec, before = baseline(kube, namespace, options, "canary", "gatewayAPI")
    engine_cluster.faults.image_pull_error(labels={"version": "2.0.0"})
    impatient = replace(spec, strategy=replace(spec.strategy, progress_deadline_seconds=20))
    with pytest.raises(ClusterError, match="cannot be pulled") as err:
        deploy(impatient, kube, RunInfo("run-2"), scripted(), options)
    assert "server.image" in str(err.value.fix)
    engine_cluster.faults.clear()
    assert_restored(kube, namespace, before)


def test_a_crashing_gate_rolls_back(kube: Kube, namespace: str, options: Options) -> None:
    spec, before = baseline(kube, namespace, options, "shadow", "istio")

    def broken(_request: object) -> Verdict:
        raise RuntimeError("locust exited with 1")

    with pytest.raises(ClusterError, match="gate 1 failed: RuntimeError: locust exited with 1"):
        deploy(spec, kube, RunInfo("run-2"), broken, options)
    assert_restored(kube, namespace, before)


def test_gate_request_carries_what_a_load_test_needs(kube: Kube, namespace: str, options: Options) -> None:
    from ai_deploy_ci.gates import GateRequest

    spec, _ = baseline(kube, namespace, options, "canary", "istio")
    seen: list[GateRequest] = []

    def record(request: GateRequest) -> Verdict:
        seen.append(request)
        return Verdict.PASS

    deploy(spec, kube, RunInfo("run-2"), record, options)
    first = seen[0]
    assert (first.number, first.weight, first.duration) == (1, 25, 0.2)
    assert first.baseline is not None and first.baseline.service == "sentiment-stable"
    assert first.candidate.service == "sentiment-candidate"
    assert first.candidate.url == f"http://sentiment-candidate.{namespace}.svc:8080"
    assert first.candidate.ip_url is not None and first.candidate.ip_url.startswith("http://127.")
    assert first.results_dir == options.results_dir / "gates" / "1"
    assert first.context["version"] == "2.0.0" and first.context["baseline_version"] == "1.0.0"
    assert [r.number for r in seen] == [1, 2]


def test_dry_run_writes_nothing_and_a_finished_deploy_is_not_redone(
    kube: Kube, namespace: str, options: Options
) -> None:
    spec, before = baseline(kube, namespace, options, "blueGreen", "gatewayAPI")
    writes = len(kube.writes)
    dry = deploy(spec, kube, RunInfo("dry"), scripted(), replace(options, dry_run=True))
    assert dry.record["outcome"] == "dry_run" and len(kube.writes) == writes
    assert objects_in(kube, namespace) == before
    assert deploy(spec, kube, RunInfo("real"), scripted(), options).record["outcome"] == "promoted"
    writes = len(kube.writes)
    again = deploy(spec, kube, RunInfo("again"), scripted(), options)
    assert again.record["outcome"] == "promoted" and again.record["steps"] == []
    assert len(kube.writes) - writes == 2  # the lease, taken and released; nothing else


def test_a_users_node_port_service_keeps_its_type_and_node_port(
    kube: Kube, namespace: str, options: Options
) -> None:
    from ai_deploy_ci.plan.model import ObjectRef

    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "sentiment", "namespace": namespace},
        "spec": {
            "type": "NodePort",
            "selector": {"app": "legacy"},
            "ports": [{"name": "http", "port": 8080, "targetPort": 8080, "nodePort": 30080}],
        },
    }
    kube.create(svc)
    ref = ObjectRef("v1", "Service", namespace, "sentiment")
    node_port = 30080
    spec, _ = baseline(kube, namespace, options, "blueGreen", "service")
    deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    after = kube.get(ref)
    assert after is not None
    assert after["spec"]["type"] == "NodePort" and after["spec"]["ports"][0]["nodePort"] == node_port
    assert after["spec"]["selector"]["ai-deploy-ci.io/track"] == "stable"
