"""`python -m ai_deploy_ci.cluster.exec_bound SECONDS COMMAND…`: a kubeconfig exec plugin with a
time limit. The kubernetes client runs exec plugins with no timeout when it refreshes a token;
`cluster/client.py` points the kubeconfig's `exec` here so a plugin that hangs mid-run fails
after SECONDS (its stderr passed on) instead of stopping the deploy forever."""

from __future__ import annotations

import subprocess
import sys


def main(argv: list[str]) -> int:
    timeout, command = float(argv[0]), argv[1:]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"exec plugin {command[0]} did not answer within {timeout:g}s", file=sys.stderr)
        return 124
    except OSError as exc:
        print(f"exec plugin {command[0]} cannot run: {exc}", file=sys.stderr)
        return 127
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
