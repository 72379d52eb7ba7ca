"""`ai-deploy-ci model-server`: run the sample model server in the foreground.

Every knob is a flag and an env var (flags win), so the same binary serves a person at a
terminal, a pytest fixture and a pod of the local cluster (whose kubelet passes env vars).
On start it prints one JSON line `{"event": "listening", "url": …}` to stdout, so a parent
that asked for port 0 learns the port without a race.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ai_deploy_ci.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ai_deploy_ci.local.model_server.knobs import add_knob_arguments

    add_knob_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ai_deploy_ci.local.model_server.knobs import knobs_from
    from ai_deploy_ci.local.model_server.server import ModelServer

    knobs = knobs_from(os.environ, vars(args))
    try:
        server = ModelServer(knobs)
    except OSError as exc:
        raise UserError(
            f"cannot listen on {knobs.host}:{knobs.port}: {exc.strerror or exc}",
            fix="choose another --port/--host (or PORT/HOST env vars)",
        ) from None
    print(
        json.dumps(
            {
                "event": "listening",
                "url": server.url,
                "model_version": knobs.model_version,
                "pid": os.getpid(),
            }
        ),
        flush=True,
    )
    return server.serve_until_signal()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))
