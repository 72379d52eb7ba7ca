"""`ai-deploy-ci local-cluster`: run the embedded environment in the foreground.

The local Kubernetes API server and its traffic gateway (so Services, HTTPRoutes, Istio and
NGINX objects really route, and `ai-deploy-ci run --kubeconfig …` works against it), and with
`--prometheus HOST:PORT` a real Prometheus scraping those targets. Writes a kubeconfig for the
official client and kubectl, prints one JSON line `{"event": "listening", "url": …,
"kubeconfig": …, "gateway": bool, "prometheus": url|null}`, and runs until Ctrl-C or SIGTERM,
then stops every part and kills every pod process before exiting.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

from ai_deploy_ci.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="an address in 127.0.0.0/8")
    parser.add_argument(
        "--kubeconfig-out",
        type=Path,
        default=Path("kubeconfig.local.yaml"),
        help="where to write the kubeconfig (default: ./kubeconfig.local.yaml)",
    )
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--gpus-per-node", type=int, default=4)
    parser.add_argument(
        "--crds",
        action="append",
        default=[],
        help="CRD bundle (gateway-api, gateway-api-experimental, istio) or YAML file; repeatable",
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="cluster seconds per wall second")
    parser.add_argument("--no-auth", action="store_true", help="serve without a bearer token")
    parser.add_argument("--no-gateway", action="store_true",
                        help="do not start the traffic gateway (ClusterIPs then answer nothing)")
    parser.add_argument("--prometheus", action="append", metavar="HOST:PORT", default=None,
                        help="start a real Prometheus scraping this target; repeatable")


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.local.apiserver.handle import DEFAULT_TOKEN
    from ai_deploy_ci.local.environment import start_local_environment

    if not args.host.startswith("127."):
        raise UserError(f"--host {args.host} is not a loopback address", fix="use an address in 127.0.0.0/8")
    if args.nodes < 1 or args.gpus_per_node < 0 or args.time_scale <= 0:
        raise UserError("--nodes must be ≥ 1, --gpus-per-node ≥ 0 and --time-scale > 0")
    try:
        env = start_local_environment(
            nodes=args.nodes,
            gpus_per_node=args.gpus_per_node,
            crds=tuple(args.crds),
            port=args.port,
            host=args.host,
            time_scale=args.time_scale,
            token=None if args.no_auth else DEFAULT_TOKEN,
            kubeconfig_path=args.kubeconfig_out,
            gateway=not args.no_gateway,
            prometheus_targets=args.prometheus,
        )
    except OSError as exc:
        raise UserError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}", fix="choose another --port"
        ) from None
    except (KeyError, FileNotFoundError) as exc:
        raise UserError(
            f"unknown CRD bundle or file: {exc}",
            fix="use gateway-api, gateway-api-experimental, istio or a CRD YAML path",
        ) from None
    except RuntimeError as exc:  # Prometheus missing or failing to start
        raise UserError(str(exc), fix="apt-get install prometheus, or drop --prometheus") from None
    handle = env.cluster
    done = threading.Event()
    # Explicit handlers: a background job may inherit SIGINT as ignored, and Ctrl-C must still stop us.
    previous = {sig: signal.signal(sig, lambda *_: done.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    print(
        json.dumps({"event": "listening", "url": handle.url, "kubeconfig": str(handle.kubeconfig_path),
                    "gateway": env.gateway is not None,
                    "prometheus": env.prometheus.url if env.prometheus else None}),
        flush=True,
    )
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        env.stop()
        print(json.dumps({"event": "stopped"}), flush=True)
    return 0
