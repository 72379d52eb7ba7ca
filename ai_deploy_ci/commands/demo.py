"""`ai-deploy-ci demo`: the whole pipeline on the local environment, with real traffic.

Starts the local Kubernetes API server (its kubelet runs sample model servers as real
processes) and the traffic gateway, installs a stable v1, then ships two canaries through the
same pipeline `run` uses: a slower candidate (EXTRA_LATENCY_MS) that must be rolled back, and a
good one that must be promoted. Writes each run's results and report (Markdown + HTML) into
./demo-results/ and prints the reports. Exit 0 only when both outcomes were as expected.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ai_deploy_ci.errors import InputError, RegressionDetected, UserError

EXAMPLE = "local-demo-canary.yaml"
CRD = "gateway-api-httproute-v1.6.1-standard.yaml"
ISTIO_CRD = "istio-networking-1.30.3.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-results"), help="results and reports")
    parser.add_argument("--file", type=Path, help=f"deploy.yaml to use (default: examples/{EXAMPLE})")
    parser.add_argument("--extra-latency-ms", type=float, default=60.0,
                        help="how much slower the bad candidate is")
    parser.add_argument("--load-duration", type=float, default=30.0, help="seconds of load per gate")
    parser.add_argument("--latency-margin", type=float, default=0.5,
                        help="allowed latency increase (baseline, candidate and Locust share this machine's "
                             "cores: on a busy 2-core box 30 s of load bounds a good p95 only to about "
                             "±30 %%, so the example's +10 %% would leave it undecided)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines")


def _find(relative: str, *roots: Path) -> Path | None:
    return next((root / relative for root in roots if (root / relative).is_file()), None)


def _repo_roots() -> list[Path]:
    package = Path(__file__).resolve().parents[1]
    return [Path.cwd(), package.parent, package / "data"]


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.spec.load import load_spec

    roots = _repo_roots()
    path = args.file or _find(f"examples/{EXAMPLE}", *roots)
    crd = _find(f"tests/data/crds/{CRD}", *roots) or _find(f"crds/{CRD}", *roots)
    if path is None or crd is None:
        raise InputError("the demo needs examples/local-demo-canary.yaml and the Gateway API CRD",
                         fix="run it from a clone of the repository (README: make demo)")
    say: Callable[[str], None] = (lambda _m: None) if args.quiet else (lambda m: print(f"  {m}", flush=True))
    started = time.monotonic()
    out: Path = args.out.resolve()  # Locust runs in another cwd: relative paths break it
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] | None = None
    if args.file is not None:  # any deploy.yaml: the local overlay swaps in the sample model server
        from ai_deploy_ci.commands.demo_file import localize

        path, manifest = localize(Path(args.file), out / "local")
        print(f"--file: {args.file} made local (sample model server, no GPUs) in {path}", flush=True)
    spec = _with_latency_margin(load_spec(path), args.latency_margin)
    if args.file is not None and args.load_duration:
        spec = _fit_analysis(spec, args.load_duration)
    istio = _find(f"tests/data/crds/{ISTIO_CRD}", *roots) or _find(f"crds/{ISTIO_CRD}", *roots)
    crds = [crd] + ([istio] if istio is not None else [])
    outcomes = _demo(spec, path, crds, out, args, say, manifest)
    elapsed = time.monotonic() - started
    expected = ("rolled_back", "promoted")
    ok = tuple(o for o, _ in outcomes) == expected
    print(f"\ndemo finished in {elapsed:.0f} s: slow candidate → {outcomes[0][0]}, good candidate → "
          f"{outcomes[1][0] if len(outcomes) > 1 else 'not run'} ({'as expected' if ok else 'UNEXPECTED'})")
    for outcome, requests in outcomes:
        print(f"  {outcome}: {requests} requests measured")
    print(f"reports: {out}/*/report.md and report.html")
    return 0 if ok else 1


def _demo(spec: Any, path: Path, crds: list[Path], out: Path, args: argparse.Namespace,
          say: Callable[[str], None], manifest: dict[str, Any] | None = None) -> list[tuple[str, int]]:
    from ai_deploy_ci import gates, pipeline
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.commands.run import print_report
    from ai_deploy_ci.gates.load_and_judge import LoadAndJudge
    from ai_deploy_ci.local.environment import start_local_environment
    from ai_deploy_ci.pipeline.evidence import deploy_with_evidence
    from ai_deploy_ci.plan.observed import RunInfo

    print("starting the local Kubernetes API server and the traffic gateway", flush=True)
    env = start_local_environment(nodes=2, gpus_per_node=0, crds=[str(c) for c in crds])
    try:
        kube = Kube(env.cluster.api_client())
        _ensure_namespace(kube, spec.metadata.namespace)

        def ship(label: str, version: str, extra_ms: float, gate: gates.Gate) -> tuple[str, int]:
            env = {**spec.server.env, "MODEL_VERSION": version, "EXTRA_LATENCY_MS": f"{extra_ms:g}"}
            server = dataclasses.replace(spec.server, version=version, env=env)
            candidate = dataclasses.replace(spec, server=server)
            results = out / label
            knobs = {"MODEL_VERSION": version, "EXTRA_LATENCY_MS": f"{extra_ms:g}"}
            opts = pipeline.Options(results_dir=results, on_event=say,
                                    manifest=None if manifest is None else _with_env(manifest, knobs))
            print(f"\n== {label}: {spec.metadata.name} {version}"
                  f"{f' (+{extra_ms:g} ms per request)' if extra_ms else ''}", flush=True)
            try:
                result = deploy_with_evidence(candidate, kube, RunInfo(run_id=label), gate, opts)
                outcome = result.record["outcome"]
            except RegressionDetected as exc:
                say(f"regression: {exc.message}")
                outcome = "rolled_back"
            except UserError as exc:  # shown even with --quiet: it explains an unexpected outcome
                print(f"  error: {exc.message}", file=sys.stderr, flush=True)
                outcome = "failed"
            if (results / "rollout.json").is_file() and label != "0-stable":
                print_report(results, path, echo=not args.quiet)
            return str(outcome), _requests(results)

        judge_gate = LoadAndJudge(base_dir=path.resolve().parent, load_duration=args.load_duration,
                                  on_event=say)
        ship("0-stable", "v1", 0.0, gates.no_analysis)
        return [ship("1-slow-candidate", "v2-slow", args.extra_latency_ms, judge_gate),
                ship("2-good-candidate", "v2", 0.0, judge_gate)]
    finally:
        env.stop()


def _ensure_namespace(kube: Any, name: str) -> None:
    """The example's namespace (a fresh local cluster has only `default`)."""
    names = {n["metadata"]["name"] for n in kube.raw("list namespaces", kube.core().list_namespace)["items"]}
    if name not in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        kube.raw(f"create namespace {name}", kube.core().create_namespace, body=body)


def _with_env(manifest: dict[str, Any], knobs: dict[str, str]) -> dict[str, Any]:
    """The user's Deployment with the sample server's knobs (version, latency) in every container."""
    import copy

    out = copy.deepcopy(manifest)
    for c in out["spec"]["template"]["spec"].get("containers", []):
        c["env"] = [e for e in c.get("env") or [] if e.get("name") not in knobs]
        c["env"] += [{"name": k, "value": v} for k, v in knobs.items()]
    return out


def _fit_analysis(spec: Any, duration: float) -> Any:
    """Blocks and minimum duration that fit `--load-duration` (an example's 2 m gates with 15 s
    blocks would leave 8 s of load with no analysed block at all)."""
    a = spec.analysis
    fitted = dataclasses.replace(a, block_length=min(a.block_length, max(duration / 6, 1.0)),
                                 min_duration=min(a.min_duration, duration * 0.6),
                                 max_duration=max(min(a.max_duration, duration), duration))
    return dataclasses.replace(spec, analysis=fitted)


def _with_latency_margin(spec: Any, margin: float) -> Any:
    metrics = tuple(
        dataclasses.replace(m, max_increase=max(m.max_increase, margin))
        if m.type == "latency" and m.max_increase is not None else m
        for m in spec.analysis.metrics
    )
    print(f"judging latency with a +{margin:.0%} margin (--latency-margin)", flush=True)
    return dataclasses.replace(spec, analysis=dataclasses.replace(spec.analysis, metrics=metrics))


def _requests(results: Path) -> int:
    import json

    total = 0
    for summary in results.glob("gates/*/summary.json"):
        data = json.loads(summary.read_text(encoding="utf-8"))
        total += sum(int(t.get("count", 0)) for t in data.get("targets", {}).values())
    return total


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))
