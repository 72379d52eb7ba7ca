"""Structure-aware fuzzing of every input a pull request or an earlier job can hand the tool
(issue #14, "Done when"): deploy.yaml, server manifests, samples, verdict/summary/rollout JSON and
kubeconfigs, ≥ 2,000 generated cases each. The oracle: the reader returns, or raises a `UserError`
(a clear message and a documented exit code) — any other exception is a traceback users would see
as exit 70. Each case must finish within the hypothesis deadline (5 s; a hang fails the test),
and the process's peak RSS stays under 1 GiB (checked last).

Each kind runs twice: a quick pass (100 cases) and the full one (FUZZ_EXAMPLES, default 2,000;
marked slow); FUZZ_EXAMPLES=20000 for a long local run."""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import os
import resource
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_deploy_ci.errors import UserError
from tests.unit.fuzz.strategies import JSON_VALUES, alias_bomb, kubeconfigs, sample_rows, yaml_edits

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
N = int(os.environ.get("FUZZ_EXAMPLES") or 2000)
_CHECKS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
QUICK = settings(max_examples=100, deadline=timedelta(seconds=5), suppress_health_check=_CHECKS)
FULL = settings(max_examples=N, deadline=timedelta(seconds=5), suppress_health_check=_CHECKS)


def both(body: Any, **strategies: Any) -> tuple[Any, Any]:
    """(quick, full) variants of one property; the full one is marked slow."""
    return QUICK(given(**strategies)(body)), pytest.mark.slow(FULL(given(**strategies)(body)))
WORK = Path(tempfile.mkdtemp(prefix="ai-deploy-ci-fuzz-"))
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sentiment
  labels: {app: sentiment}
spec:
  replicas: 2
  selector: {matchLabels: {app: sentiment}}
  template:
    metadata: {labels: {app: sentiment}}
    spec:
      containers:
        - name: server
          image: ghcr.io/acme/sentiment:1.4.0
          ports: [{containerPort: 8080}]
"""


def _deploy_yaml(data: st.DataObject) -> None:
    from ai_deploy_ci.spec.convert import to_spec
    from ai_deploy_ci.spec.load import check_document

    base = data.draw(st.sampled_from(EXAMPLES))
    text = data.draw(st.one_of(yaml_edits(base.read_text()),
                               st.builds(alias_bomb, st.integers(2, 12), st.integers(1, 12))))
    doc, problems = check_document(text, base.parent)
    if not [p for p in problems if p.severity == "error"] and isinstance(doc.data, dict):
        to_spec(doc.data, doc, source=str(base))  # valid means convertible


def _server_manifests(data: st.DataObject) -> None:
    from ai_deploy_ci.spec.bounded import parse_yaml_documents
    from ai_deploy_ci.spec.rules_files import _manifest_problem

    bombs = st.builds(alias_bomb, st.integers(2, 12), st.integers(1, 12))
    dumped = st.builds(lambda v: str(yaml.safe_dump(v)), JSON_VALUES)
    text = data.draw(st.one_of(yaml_edits(MANIFEST), bombs, dumped))
    found = _manifest_problem(text)  # what validate says
    assert found is None or (isinstance(found[0], str) and found[0])
    with contextlib.suppress(UserError):
        parse_yaml_documents(text, "deployment.yaml")  # what deploy/run read


def _samples(text: str, compress: bool) -> None:
    from ai_deploy_ci.load.samples_check import read_samples_checked

    path = WORK / "samples.jsonl.gz"
    path.write_bytes(gzip.compress(text.encode(), 1) if compress else text.encode())
    try:
        samples = read_samples_checked(path)
    except UserError as exc:
        assert exc.exit_code == 2 and exc.message
        return
    assert {"baseline", "candidate"} <= set(samples)


def _real(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "tests" / "data" / "results" / "fail" / name).read_text()))


REAL = {name: _real(name) for name in ("summary.json", "verdict.json", "rollout.json")}


@st.composite
def artifact(draw: st.DrawFn, name: str) -> Any:
    """A real artifact with one value replaced, a key dropped, or something else entirely."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(JSON_VALUES)
    doc = copy.deepcopy(REAL[name])
    keys = sorted(doc)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            doc.pop(key, None)
        else:
            doc[key] = draw(JSON_VALUES)
    return doc


def _verdict_summary_rollout_json(summary: Any, verdict: Any, rollout: Any, code: int) -> None:
    from ai_deploy_ci.commands.run import step_outputs
    from ai_deploy_ci.report.render import render_markdown
    from ai_deploy_ci.spec.bounded import read_json_object

    results = WORK / "results"
    results.mkdir(exist_ok=True)
    for name, value in (("summary.json", summary), ("verdict.json", verdict), ("rollout.json", rollout)):
        (results / name).write_text(json.dumps(value))
        with contextlib.suppress(UserError):
            read_json_object(results / name, what=name)
    markdown = render_markdown(results)  # the PR comment and job summary from these files
    assert isinstance(markdown, str) and markdown
    outputs = step_outputs(results, "pr-check", code)
    assert outputs["exit-code"] == str(code) and all(isinstance(v, str) for v in outputs.values())


def _kubeconfigs(doc: Any, raw: bool) -> None:
    from ai_deploy_ci.cluster.client import from_file

    path = WORK / "kubeconfig"
    path.write_text(yaml.safe_dump(doc) if not raw else json.dumps(doc)[:-1])
    try:
        from_file(path, None)
    except UserError as exc:
        assert exc.exit_code == 3 and exc.message


test_deploy_yaml, test_deploy_yaml_full = both(
    _deploy_yaml, data=st.data()
)
test_server_manifests, test_server_manifests_full = both(
    _server_manifests, data=st.data()
)
test_samples, test_samples_full = both(
    _samples, text=sample_rows(), compress=st.booleans()
)
test_verdict_summary_rollout_json, test_verdict_summary_rollout_json_full = both(
    _verdict_summary_rollout_json, summary=artifact("summary.json"), verdict=artifact("verdict.json"),
    rollout=artifact("rollout.json"), code=st.sampled_from([0, 2, 3, 4, 70, 130]),
)
test_kubeconfigs, test_kubeconfigs_full = both(
    _kubeconfigs, doc=st.one_of(kubeconfigs("http://127.0.0.1:9"), JSON_VALUES), raw=st.booleans()
)


def test_peak_rss_stayed_under_1_gib() -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_kib < 1 << 20, f"peak RSS {peak_kib / 1024:.0f} MiB"
