"""Durations, the capability table, the YAML reader's edge cases, and zero-downtime lint."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.spec import capabilities as caps
from ai_deploy_ci.spec.durations import DurationError, format_duration, parse_duration
from ai_deploy_ci.spec.lint import unavailable_pods
from ai_deploy_ci.spec.load import validate_text
from ai_deploy_ci.spec.yaml_positions import read_yaml
from tests.unit.spec.documents import edit, strategy


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("1.5s", 1.5),
        ("2h", 7200.0),
        ("1m30s500ms", 90.5),
        (45, 45.0),
        (0.5, 0.5),
        ("0s", 0.0),
    ],
    ids=str,
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "30",
        "5 m",
        "30m1h",
        "1s1s",
        "m",
        "1d",
        "-5s",
        "1h 30m",
        True,
        None,
        -1,
        float("nan"),
        float("inf"),
    ],
    ids=repr,
)
def test_bad_durations(text: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [(90, "1m30s"), (0.25, "250ms"), (3600, "1h"), (0, "0ms")])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# (strategy, router, match kind, works)
PAIRS = [
    ("rolling", "service", None, True),
    ("recreate", "nginx", None, True),
    ("blueGreen", "service", None, True),
    ("canary", "service", None, False),
    ("canary", "replicas", None, True),
    ("canary", "nginx", None, True),
    ("abTest", "replicas", "header", False),
    ("abTest", "gatewayAPI", "header", True),
    ("abTest", "gatewayAPI", "cookie", False),
    ("abTest", "gatewayAPI", "query", True),
    ("abTest", "istio", "cookie", True),
    ("abTest", "nginx", "cookie", True),
    ("abTest", "nginx", "query", False),
    ("shadow", "istio", None, True),
    ("shadow", "gatewayAPI", None, True),
    ("shadow", "nginx", None, False),
    ("shadow", "replicas", None, False),
    ("shadow", "service", None, False),
    ("canary", "unknown", None, False),
]


@pytest.mark.parametrize(
    ("strategy_type", "router", "kind", "works"), PAIRS, ids=[f"{s}-{r}-{k or 'any'}" for s, r, k, _ in PAIRS]
)
def test_capability_table(strategy_type: str, router: str, kind: str | None, works: bool) -> None:
    assert (not caps.missing(strategy_type, router, kind)) is works


def test_routers_with_weights_in_table_order() -> None:
    assert caps.routers_with(frozenset({caps.Capability.WEIGHTS})) == [
        "replicas",
        "gatewayAPI",
        "istio",
        "nginx",
    ]


def test_yaml_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    doc = read_yaml("\n".join(lines) + "\n")
    assert doc.data is None and "aliases expanding" in doc.problems[0].message


def test_yaml_deep_nesting_is_refused() -> None:
    doc = read_yaml("a: " + "[" * 200 + "]" * 200 + "\n")
    assert doc.problems and "nested deeper" in doc.problems[0].message


def test_yaml_merge_keys_and_positions() -> None:
    doc = read_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")
    assert doc.data == {"base": {"x": 1, "y": 2}, "use": {"y": 3, "x": 1}}
    assert doc.keys[("use", "y")] == (4, 3) and doc.values[("base", "x")] == (1, 14)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + edit()
    assert validate_text(text, "d.yaml", tmp_path) == []


def warnings(text: str, tmp_path: Path) -> list[str]:
    found = validate_text(text, "d.yaml", tmp_path)
    assert not [p for p in found if p.severity == "error"], found
    return [f"{p.line}:{p.col}: {p.message}" for p in found]


def test_lint_no_readiness_probe(tmp_path: Path) -> None:
    text = edit(("    readiness: {path: /readyz}", "    liveness: {path: /healthz}"))
    assert warnings(text, tmp_path) == [
        "6:1: no readiness probe: pods get traffic before the model is loaded"
    ]


def test_lint_no_prestop(tmp_path: Path) -> None:
    assert warnings(edit(("  preStopSleepSeconds: 5\n", "")), tmp_path)[0].startswith("6:1: no preStop sleep")


def test_lint_max_unavailable_with_few_replicas(tmp_path: Path) -> None:
    text = strategy("  type: rolling\n  rolling: {maxUnavailable: 1}\n")
    assert warnings(text, tmp_path) == [
        "18:29: with 3 replica(s), maxUnavailable 1 takes 1 pod(s) out of service "
        "at once: 33 % capacity lost during the rollout"
    ]


def test_lint_blue_green_gpus(tmp_path: Path) -> None:
    found = warnings(strategy("  type: blueGreen\n"), tmp_path)
    assert found == [
        "12:11: blueGreen runs both versions at full size: 6 GPUs (3 replicas × 1 GPU × 2); "
        "preflight checks the cluster has them"
    ]


def test_lint_replicas_router_coarse_weights(tmp_path: Path) -> None:
    found = warnings(edit(("type: gatewayAPI", "type: replicas")), tmp_path)
    assert found == [
        f"{line}:20: the replicas router splits by whole pods: with 3 replicas, {w} % is approximated"
        for line, w in ((20, 10), (22, 50))
    ]


def test_lint_unused_block(tmp_path: Path) -> None:
    text = edit(("trafficRouter:\n", "  shadow: {mirrorPercent: 5}\ntrafficRouter:\n"))
    assert warnings(text, tmp_path) == ["24:3: 'strategy.shadow' is ignored because type is 'canary'"]


AGREEMENT = "    - {name: agree, type: agreement, slo: {min: 0.9}}\n"
WHOLE_BODY = "agreement compares whole response bodies (load.agreement.jsonPath is '$')"


@pytest.mark.parametrize(
    ("agreement", "where"),
    [
        ("", ["34:27"]),  # jsonPath left at its default: the warning points at the metric
        ("  agreement: {jsonPath: $}\n", ["30:25"]),  # set to `$`: it points at the setting
        ("  agreement: {jsonPath: $.label}\n", []),
    ],
    ids=["default-path", "explicit-dollar", "label-path"],
)
def test_lint_agreement_on_the_whole_body(agreement: str, where: list[str], tmp_path: Path) -> None:
    text = edit(
        ("  duration: 2m\n", "  duration: 2m\n" + agreement),
        ("slo: {max: 0.01}}\n", "slo: {max: 0.01}}\n" + AGREEMENT),
    )
    found = warnings(text, tmp_path)
    assert [w.split(": ", 1)[0] for w in found] == where
    assert all(w.split(": ", 1)[1].startswith(WHOLE_BODY) for w in found)


@pytest.mark.parametrize(
    ("value", "replicas", "pods"), [("25%", 3, 0), ("25%", 4, 1), ("50%", 3, 1), (2, 5, 2)]
)
def test_unavailable_pods(value: int | str, replicas: int, pods: int) -> None:
    assert unavailable_pods(value, replicas) == pods
