from __future__ import annotations

import base64
import gzip
import json
import subprocess
from pathlib import Path

import pytest

from ai_deploy_ci.load import distributed
from ai_deploy_ci.load.config import CONFIG_ENV, RunConfig

RUN = distributed.DistributedRun(name="sentiment", namespace="ml-staging", image="ghcr.io/acme/adc:1",
                                 workers=3, labels={"team": "nlp"})
CONFIG = RunConfig(targets={"baseline": "http://b", "candidate": "http://c"}, user_ref="m:C",
                   samples_dir="/anywhere", warmup=5.0, duration=60.0, processes=1)


def test_objects_in_creation_order() -> None:
    objs = distributed.build_objects(RUN, CONFIG, "print('locustfile')")
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("ConfigMap", "sentiment-locust"), ("Service", "sentiment-locust-master"),
        ("Job", "sentiment-locust-master"), ("Job", "sentiment-locust-workers")]
    assert all(o["metadata"]["namespace"] == "ml-staging" for o in objs)


def test_configmap_carries_locustfile_and_pod_paths() -> None:
    cm = distributed.build_objects(RUN, CONFIG, "LOCUSTFILE")[0]
    assert cm["data"]["locustfile.py"] == "LOCUSTFILE"
    pod_config = RunConfig.from_json(cm["data"]["config.json"])
    assert pod_config.samples_dir == f"{distributed.RESULTS}/raw"
    assert pod_config.processes == 3  # the open model splits its arrival rate over the workers
    assert pod_config.targets == CONFIG.targets


def test_master_and_workers() -> None:
    _, svc, master, workers = distributed.build_objects(RUN, CONFIG, "")
    m_pod, w_pod = master["spec"]["template"], workers["spec"]["template"]
    assert svc["spec"]["selector"].items() <= m_pod["metadata"]["labels"].items()
    assert not svc["spec"]["selector"].items() <= w_pod["metadata"]["labels"].items()
    m_script = m_pod["spec"]["containers"][0]["command"][2]
    w_script = w_pod["spec"]["containers"][0]["command"][2]
    assert "--master --expect-workers 3" in m_script
    assert "--worker --master-host sentiment-locust-master --master-port 5557" in w_script
    assert distributed.BEGIN in m_script and distributed.BEGIN not in w_script  # workers send to the master
    assert workers["spec"]["parallelism"] == workers["spec"]["completions"] == 3
    for job in (master, workers):
        spec = job["spec"]["template"]["spec"]
        assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
        env = spec["containers"][0]["env"]
        assert {"name": CONFIG_ENV, "value": "/locust/config.json"} in env
        assert job["metadata"]["labels"]["team"] == "nlp"


def test_zero_workers_is_an_error() -> None:
    with pytest.raises(ValueError):
        distributed.build_objects(distributed.DistributedRun("a", "b", "c", 0, {}), CONFIG, "")


def test_dump_script_output_decodes(tmp_path: Path) -> None:
    """The shell a pod runs prints files that decode_log gets back byte for byte."""
    raw = tmp_path / "raw"
    raw.mkdir()
    data = gzip.compress(b'["baseline",1.0,2.0,1,200,3,"",null,0,[],0,""]\n')  # any bytes
    (raw / "samples-7.frames").write_bytes(data)
    (raw / "meta-7.json").write_text(json.dumps({"pid": 7}))
    script = distributed.dump_command().replace(distributed.RESULTS, str(tmp_path))
    out = subprocess.run(["sh", "-c", "echo locust says hi; " + script], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    files = distributed.decode_log(out)
    assert files == {"samples-7.frames": data, "meta-7.json": b'{"pid": 7}'}


def test_decode_ignores_other_lines() -> None:
    blob = base64.b64encode(b"xyz").decode()
    log = f"noise\n{distributed.BEGIN} a.gz\n{blob}\n{distributed.END}\nmore noise\n"
    assert distributed.decode_log(log) == {"a.gz": b"xyz"}
