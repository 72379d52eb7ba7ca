"""A tiny stand-in for the sample model server, for testing the kubelet without it:
`python -m ai_deploy_ci.local.apiserver.standin --host H --port P` answers every GET/POST with
200 and `x-model-version: $MODEL_VERSION`, logs one line per request, and exits on SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from typing import Any

from ..httpserver import FastHandler, LocalHTTPServer


class _Handler(FastHandler):
    protocol_version = "HTTP/1.0"  # one request per connection, as before

    def _reply(self) -> None:
        version = os.environ.get("MODEL_VERSION", "v1")
        body = json.dumps({"version": version, "path": self.path}).encode()
        headers = [("Content-Type", "application/json"), ("x-model-version", version)]
        self.wfile.write(self.whole_response(200, [*self.standard_headers(), *headers], body))

    do_GET = _reply
    do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:
        print(f"{self.command} {self.path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    server = LocalHTTPServer((args.host, args.port), _Handler, name="standin")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(json.dumps({"event": "listening", "url": f"http://{args.host}:{args.port}"}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=server.poll_interval)
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
