"""At least 30 wrong documents, each with the exact line, column and message users will see."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.spec.load import validate_text
from tests.unit.spec.documents import BASE, edit, strategy

AB_COOKIE = "  type: abTest\n  abTest:\n    match: {cookie: {name: variant, value: b}}\n"
AB_QUERY = "  type: abTest\n  abTest:\n    match: {query: {name: variant, value: b}}\n"
SHADOW = "  type: shadow\n  shadow: {mirrorPercent: 10}\n"
ROLLING = "  type: rolling\n  rolling: {maxSurge: 0, maxUnavailable: 0%}\n"
PROM = "{address: 'http://prometheus:9090', query: up}"
VOLUME = "    - {name: v, mountPath: /data, emptyDir: true}\n"

# (id, document, line, col, fragment of the message or fix)
CASES: list[tuple[str, str, int, int, str]] = [
    (
        "yaml-unclosed-flow-mapping",
        edit(("{path: /readyz}", "{path: /readyz")),
        15,
        22,
        "opened on line 14, column 16",
    ),
    ("yaml-bad-indentation", edit(("  namespace: ml", "   namespace: ml")), 5, 13, "YAML syntax error"),
    ("yaml-tab-indentation", edit(("  port: 8080", "\tport: 8080")), 9, 1, "tab character in indentation"),
    ("yaml-two-documents", BASE + "---\nkind: Other\n", 34, 1, "single document"),
    ("yaml-empty-file", "", 1, 1, "the file is empty"),
    ("yaml-top-level-list", "- apiVersion: ai-deploy-ci/v1\n", 1, 1, "expected a mapping at the top level"),
    ("yaml-boolean-key", edit(("  users: 10", "  on: 10")), 28, 3, "key 'on' is read as bool"),
    (
        "duplicate-key",
        edit(("  port: 8080\n", "  port: 8080\n  port: 9090\n")),
        10,
        3,
        "duplicate key 'port'",
    ),
    ("duplicate-top-level-key", BASE + "kind: ModelDeployment\n", 34, 1, "first defined on line 2"),
    ("wrong-type-port-string", edit(("port: 8080", "port: '8080'")), 9, 9, "expected integer, got string"),
    ("wrong-type-version-number", edit(('version: "1.0"', "version: 1.0")), 8, 12, 'quote it: "1.0"'),
    (
        "wrong-type-replicas-list",
        edit(("replicas: 3", "replicas: [3]")),
        10,
        13,
        "expected integer, got array",
    ),
    ("unknown-key-suggests-gpus", edit(("    gpus: 1", "    gpu: 1")), 12, 5, "did you mean 'gpus'?"),
    ("unknown-top-level-key", edit(("load:\n", "loads:\n")), 27, 1, "did you mean 'load'?"),
    ("unknown-key-in-step", edit(("- setWeight: 50", "- setWieght: 50")), 22, 9, "did you mean 'setWeight'?"),
    ("enum-typo-suggests", edit(("type: canary", "type: canry")), 17, 9, "did you mean 'canary'?"),
    ("wrong-api-version", edit(("ai-deploy-ci/v1", "ai-deploy-ci/v2")), 1, 13, "not one of: ai-deploy-ci/v1"),
    ("missing-required-version", edit(('  version: "1.0"\n', "")), 6, 1, "missing required key 'version'"),
    ("missing-required-kind", edit(("kind: ModelDeployment\n", "")), 1, 1, "missing required key 'kind'"),
    (
        "image-and-manifest",
        edit(("  port: 8080", "  manifest: k8s/d.yaml\n  port: 8080")),
        7,
        3,
        "set exactly one of image or manifest (both given)",
    ),
    (
        "neither-image-nor-manifest",
        edit(("  image: ghcr.io/acme/sentiment:1.0\n", "")),
        7,
        3,
        "set exactly one of image or manifest (neither given)",
    ),
    ("bad-dns-name", edit(("name: sentiment", "name: Sentiment_Model")), 4, 9, "lower-case letters"),
    ("name-too-long", edit(("name: sentiment", "name: " + "a" * 51)), 4, 9, "at most 50 characters"),
    (
        "bad-host-name",
        edit(("[sentiment.example.com]", "[https://sentiment.example.com]")),
        26,
        11,
        "without scheme or port",
    ),
    ("fractional-gpus", edit(("gpus: 1", "gpus: 0.5")), 12, 11, "must be a whole number, got 0.5"),
    ("negative-gpus", edit(("gpus: 1", "gpus: -1")), 12, 11, "must be at least 0"),
    (
        "gpu-in-limits",
        edit(("    gpus: 1", "    limits: {nvidia.com/gpu: 1}")),
        12,
        14,
        "use `resources.gpus",
    ),
    (
        "weights-going-down",
        edit(("setWeight: 50", "setWeight: 5")),
        22,
        20,
        "weight goes down from 10 (step 1) to 5",
    ),
    ("weight-above-100", edit(("setWeight: 50", "setWeight: 150")), 22, 20, "must be at most 100"),
    (
        "step-with-two-kinds",
        edit(("- setWeight: 10", "- {setWeight: 10, pause: {}}")),
        20,
        9,
        "set exactly one of: analysis, pause, setWeight",
    ),
    ("empty-step", edit(("- setWeight: 10", "- {}")), 20, 9, "set exactly one of"),
    (
        "canary-without-weights",
        edit(("      - setWeight: 10\n", ""), ("      - setWeight: 50\n", "")),
        20,
        7,
        "no setWeight step",
    ),
    ("canary-without-block", strategy("  type: canary\n"), 16, 1, "missing required key 'canary'"),
    ("bad-duration-words", edit(("{duration: 30s}", "{duration: 30 seconds}")), 21, 27, "such as 30s, 5m"),
    (
        "duration-units-out-of-order",
        edit(("{duration: 30s}", "{duration: 30m1h}")),
        21,
        27,
        "must go from hours to milliseconds",
    ),
    (
        "negative-duration-number",
        edit(("duration: 2m\nanalysis", "duration: -5\nanalysis")),
        29,
        13,
        "must be at least 0",
    ),
    (
        "canary-on-service-router",
        edit(("type: gatewayAPI", "type: service")),
        25,
        9,
        "router 'service' cannot do weighted traffic split",
    ),
    ("ab-cookie-on-gateway-api", strategy(AB_COOKIE), 21, 9, "cannot do cookie matching"),
    (
        "ab-query-on-nginx",
        edit(("type: gatewayAPI", "type: nginx"), base=strategy(AB_QUERY)),
        21,
        9,
        "use trafficRouter.type: gatewayAPI, istio",
    ),
    (
        "shadow-on-nginx",
        edit(("type: gatewayAPI", "type: nginx"), base=strategy(SHADOW)),
        20,
        9,
        "cannot do traffic mirroring",
    ),
    (
        "shadow-on-replicas",
        edit(("type: gatewayAPI", "type: replicas"), base=strategy(SHADOW)),
        20,
        9,
        "router 'replicas' cannot do traffic mirroring",
    ),
    ("rolling-surge-and-unavailable-zero", strategy(ROLLING), 18, 12, "could never make progress"),
    (
        "missing-manifest-file",
        edit(("  image: ghcr.io/acme/sentiment:1.0", "  manifest: k8s/missing.yaml")),
        7,
        13,
        "file 'k8s/missing.yaml' does not exist",
    ),
    (
        "missing-payloads-file",
        edit(("  users: 10", "  payloadsFile: p.jsonl")),
        28,
        17,
        "file 'p.jsonl' does not exist",
    ),
    (
        "open-model-without-rate",
        edit(("  users: 10", "  model: open")),
        27,
        1,
        "missing required key 'arrivalRate'",
    ),
    ("metric-checks-nothing", edit((", maxIncrease: 0.1}", "}")), 32, 7, "metric 'p95' checks nothing"),
    (
        "metric-checks-nothing-fix",
        edit((", maxIncrease: 0.1}", ", critical: true}")),
        32,
        7,
        "add `slo: {max: …}` and/or a margin",
    ),
    (
        "prometheus-metric-checks-nothing",
        edit(("type: errorRate, slo: {max: 0.01}", f"type: prometheus, prometheus: {PROM}")),
        33,
        7,
        "metric 'errors' checks nothing",
    ),
    (
        "prometheus-block-on-latency",
        edit((", maxIncrease: 0.1}", f", maxIncrease: 0.1, prometheus: {PROM}}}")),
        32,
        68,
        "only read by type: prometheus, and this metric is type 'latency'",
    ),
    (
        "prometheus-block-on-error-rate-fix",
        edit(("slo: {max: 0.01}}", f"slo: {{max: 0.01}}, prometheus: {PROM}}}")),
        33,
        57,
        "remove the prometheus block, or set type: prometheus",
    ),
    ("latency-quantile-missing", edit(("quantile: 0.95, ", "")), 32, 7, "missing required key 'quantile'"),
    (
        "latency-with-max-decrease",
        edit(("maxIncrease: 0.1}", "maxDecrease: 0.1}")),
        32,
        50,
        "use maxIncrease",
    ),
    ("error-rate-as-percent", edit(("{max: 0.01}", "{max: 1.5}")), 33, 50, "a fraction between 0 and 1"),
    ("ttft-needs-openai", edit(("type: latency", "type: ttft")), 32, 25, "needs a streaming (openai) server"),
    ("duplicate-metric-name", edit(("name: errors", "name: p95")), 33, 14, "metric name 'p95' is used twice"),
    (
        "prometheus-without-query",
        edit(("type: errorRate", "type: prometheus")),
        33,
        7,
        "missing required key 'prometheus'",
    ),
    (
        "duplicate-volume-name",
        edit(("  preStopSleepSeconds: 5\n", f"  preStopSleepSeconds: 5\n  volumes:\n{VOLUME}{VOLUME}")),
        18,
        14,
        "volume name 'v' is used twice (first at volumes[0])",
    ),
    (
        "prestop-longer-than-grace",
        edit(("preStopSleepSeconds: 5", "preStopSleepSeconds: 30")),
        15,
        24,
        "is killed before it finishes",
    ),
    (
        "min-longer-than-max-duration",
        edit(("  metrics:", "  minDuration: 10m\n  maxDuration: 5m\n  metrics:")),
        31,
        16,
        "minDuration is longer than maxDuration",
    ),
    (
        "label-value-number",
        edit(("  namespace: ml", "  namespace: ml\n  labels: {team: 5}")),
        6,
        18,
        'quote it: "5"',
    ),
    (
        "bad-label-key",
        edit(("  namespace: ml", "  namespace: ml\n  labels: {ok: a, bad key!: x}")),
        6,
        19,
        "key 'bad key!' is not valid here",
    ),
    (
        "bad-env-name",
        edit(("  port: 8080", "  port: 8080\n  env: {1BAD: x}")),
        10,
        9,
        "a variable name such as",
    ),
    ("absolute-file-path", edit(("  users: 10", "  locustfile: /etc/passwd")), 28, 15, "a path relative to"),
    ("file-name-too-long", edit(("  users: 10", "  locustfile: " + "a" * 300)), 28, 15, "cannot be read"),
    (
        "payloads-file-not-jsonl",
        edit(("  users: 10", "  payloadsFile: bad.jsonl")),
        28,
        17,
        "'bad.jsonl': line 2 is not JSON",
    ),
    (
        "manifest-not-a-deployment",
        edit(("  image: ghcr.io/acme/sentiment:1.0", "  manifest: svc.yaml")),
        7,
        13,
        "expected apiVersion apps/v1, kind Deployment; got v1 Service",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_wrong_document(text: str, line: int, col: int, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"text": broken}\n')
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    problems = validate_text(text, "deploy.yaml", tmp_path)
    errors = [p for p in problems if p.severity == "error"]
    assert errors, "expected at least one error"
    rendered = "\n".join(p.render() for p in errors)
    match = [p for p in errors if fragment in f"{p.message} (fix: {p.fix})"]
    assert match, f"no error mentions {fragment!r}:\n{rendered}"
    assert (match[0].line, match[0].col) == (line, col), rendered


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


def test_base_document_is_clean(tmp_path: Path) -> None:
    assert validate_text(BASE, "deploy.yaml", tmp_path) == []


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e400"])
def test_non_finite_numbers_are_reported_not_crashed(value: str, tmp_path: Path) -> None:
    """Found by the fuzz test: `round(nan)` raised inside the message for integer fields."""
    problems = validate_text(edit(("replicas: 3", f"replicas: {value}")), "d.yaml", tmp_path)
    located = {(p.line, p.col, p.path) for p in problems if p.severity == "error"}
    assert located == {(10, 13, "$.server.replicas")}
