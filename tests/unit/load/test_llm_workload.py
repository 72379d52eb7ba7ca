"""load.workload → payloads: length distributions, shared prefixes, JSONL and ShareGPT datasets."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.load.runner import load_payloads
from ai_deploy_ci.load.workload import workload_payloads
from ai_deploy_ci.spec.load import load_spec, validate_text
from ai_deploy_ci.spec.model import Lengths, SharedPrefix, Workload
from tests.unit.spec.documents import edit

LOAD = "  users: 10\n  duration: 2m\n"


def test_synthetic_lengths_and_shared_prefix(tmp_path: Path) -> None:
    w = Workload(count=400, seed=3, prompt_tokens=Lengths("uniform", min=20, max=40),
                 output_tokens=Lengths("normal", mean=64, stddev=8, min=32, max=96),
                 shared_prefix=SharedPrefix(tokens=50, groups=4))
    payloads = workload_payloads(w, tmp_path)
    assert len(payloads) == 400 and payloads == workload_payloads(w, tmp_path)  # deterministic
    own = [len(str(p["prompt"]).split()) - 52 for p in payloads]  # "[context g]" + 50 words
    assert min(own) == 20 and max(own) == 40
    outs = [int(p["max_tokens"]) for p in payloads]
    assert min(outs) >= 32 and max(outs) <= 96 and abs(statistics.mean(outs) - 64) < 2
    prefixes = {" ".join(str(p["prompt"]).split()[:52]) for p in payloads}
    assert len(prefixes) == 4  # four groups share their prefix


def test_sharegpt_multi_turn_with_reply_lengths(tmp_path: Path) -> None:
    data = [{"conversations": [{"from": "human", "value": "hi there"}, {"from": "gpt", "value": "a b c"},
                               {"from": "human", "value": "more"}, {"from": "gpt", "value": "d e f g h"}]},
            {"conversations": [{"from": "human", "value": "alone"}]}]
    (tmp_path / "sg.json").write_text(json.dumps(data), encoding="utf-8")
    w = Workload(count=0, dataset="sg.json", dataset_format="sharegpt", multi_turn=True)
    payloads = workload_payloads(w, tmp_path)
    assert [p["max_tokens"] for p in payloads] == [3, 5]
    assert payloads[1]["messages"] == [{"role": "user", "content": "hi there"},
                                       {"role": "assistant", "content": "a b c"},
                                       {"role": "user", "content": "more"}]
    first_only = workload_payloads(Workload(count=0, dataset="sg.json", dataset_format="sharegpt"), tmp_path)
    assert len(first_only) == 1
    fixed = Workload(count=0, dataset="sg.json", dataset_format="sharegpt", multi_turn=True,
                     output_tokens=Lengths("fixed", value=7))
    assert [p["max_tokens"] for p in workload_payloads(fixed, tmp_path)] == [7, 7]


def test_jsonl_dataset_and_bad_files(tmp_path: Path) -> None:
    text = '{"prompt": "a"}\n\n{"prompt": "b", "max_tokens": 3}\n'
    (tmp_path / "p.jsonl").write_text(text, encoding="utf-8")
    w = Workload(count=0, dataset="p.jsonl", output_tokens=Lengths("fixed", value=9))
    assert workload_payloads(w, tmp_path) == [{"prompt": "a", "max_tokens": 9},
                                              {"prompt": "b", "max_tokens": 3}]
    with pytest.raises(UserError, match="cannot read dataset"):
        workload_payloads(Workload(dataset="missing.jsonl"), tmp_path)
    (tmp_path / "bad.json").write_text('[{"turns": []}]', encoding="utf-8")
    with pytest.raises(UserError, match="no 'conversations' list"):
        workload_payloads(Workload(dataset="bad.json", dataset_format="sharegpt"), tmp_path)


def test_spec_to_payloads(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    body = ("  workload:\n    count: 5\n    outputTokens: {distribution: fixed, value: 4}\n"
            "    sharedPrefix: {tokens: 3}\n")
    path.write_text(edit((LOAD, LOAD + body)), encoding="utf-8")
    load = load_spec(path).load
    assert load.workload == Workload(count=5, output_tokens=Lengths("fixed", value=4),
                                     shared_prefix=SharedPrefix(3, 1))
    payloads = load_payloads(load, tmp_path)
    assert len(payloads) == 5 and all(p["max_tokens"] == 4 for p in payloads)  # type: ignore[index]


@pytest.mark.parametrize(("body", "message"), [
    ("  workload:\n    promptTokens: {distribution: uniform, min: 5}\n", "max"),
    ("  workload:\n    promptTokens: {distribution: uniform, min: 9, max: 5}\n", "max 5 is below min 9"),
    ("  workload:\n    outputTokens: {distribution: poisson, mean: 3}\n", "poisson"),
    ("  workload:\n    datasetFormat: sharegpt\n", "datasetFormat without a dataset"),
    ("  payloads: [{text: a}]\n  workload: {count: 3}\n", "both workload and payloads are set"),
], ids=["uniform-needs-max", "min-above-max", "unknown-distribution", "format-alone", "with-payloads"])
def test_bad_workloads_are_located(tmp_path: Path, body: str, message: str) -> None:
    problems = [p for p in validate_text(edit((LOAD, LOAD + body)), "deploy.yaml", tmp_path)
                if p.severity == "error"]
    assert any(message in p.message or message in (p.fix or "") for p in problems), problems
    assert all(p.line >= 30 for p in problems), problems
