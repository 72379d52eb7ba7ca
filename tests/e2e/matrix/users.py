"""An independent user: requests through the user's entry point, recording who answered.

Nothing here reads the tool's records. The entry point is what a user of each router hits: the
public Service's ClusterIP (service, replicas, a mesh: GAMMA / Istio with a cluster-local host),
else the gateway's public listener with the route's Host. Each answer is kept as
(monotonic time, x-model-version or None, HTTP status or the transport error), so a test can ask
"which version answered during this step" and "did any user request fail during a switch".
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai_deploy_ci.local.gateway import Gateway
from ai_deploy_ci.spec.model import Spec


@dataclass(frozen=True)
class Answer:
    at: float
    version: str | None
    status: int | str  # an HTTP status, or the transport error's name

    @property
    def ok(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass(frozen=True)
class EntryPoint:
    url: str  # scheme://host:port where the request is sent
    host: str | None  # the Host header (None: the URL's)
    describe: str


def entry_point(spec: Spec, gateway: Gateway) -> EntryPoint:
    """Where this spec's users send requests on the local environment."""
    ns = spec.metadata.namespace
    service = spec.traffic_router.service or spec.metadata.name
    router = spec.traffic_router.type
    hosts = spec.traffic_router.hosts
    mesh = router in ("service", "replicas") or not hosts or hosts[0].endswith(".svc.cluster.local")
    mesh = mesh or (router == "gatewayAPI" and spec.traffic_router.mesh)
    if mesh:
        return EntryPoint(gateway.service_url(service, ns), None, f"Service {ns}/{service} ClusterIP")
    return EntryPoint(gateway.public_url, hosts[0], f"gateway, Host {hosts[0]}")


def request_for(spec: Spec, base_dir: Path) -> tuple[str, bytes]:
    """(path, body) of one real inference request in the spec's protocol, with its first payload."""
    payload: Any = spec.load.payloads[0] if spec.load.payloads else None
    if payload is None and spec.load.payloads_file:
        with open(base_dir / spec.load.payloads_file, encoding="utf-8") as lines:
            payload = json.loads(next(line for line in lines if line.strip()))
    protocol = spec.server.protocol
    if protocol == "open-inference-v2":
        name = spec.server.model_name or "model"
        tensor = {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}
        body = payload or {"inputs": [tensor]}
        return f"/v2/models/{name}/infer", json.dumps(body).encode()
    if protocol == "openai":
        body = {"model": spec.server.model_name or "model", "stream": False, "max_tokens": 4,
                "messages": [{"role": "user", "content": "hi"}]}
        return "/v1/chat/completions", json.dumps(body).encode()
    return "/predict", json.dumps(payload or {"text": "great"}).encode()


@dataclass
class User:
    """A client sending requests one after another (optionally in a background thread)."""

    entry: EntryPoint
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    interval: float = 0.01
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def once(self) -> Answer:
        parts = urllib.parse.urlsplit(self.entry.url)
        headers = {"Content-Type": "application/json", **self.headers}
        if self.entry.host:
            headers["Host"] = self.entry.host
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
        try:
            conn.request("POST", self.path, body=self.body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            answer = Answer(time.monotonic(), resp.getheader("x-model-version"), resp.status)
        except OSError as exc:
            answer = Answer(time.monotonic(), None, type(exc).__name__)
        finally:
            conn.close()
        self.answers.append(answer)
        return answer

    def batch(self, n: int) -> Counter[str]:
        """`n` requests now; versions of the successful ones (failures counted as "failed")."""
        seen: Counter[str] = Counter()
        for _ in range(n):
            a = self.once()
            seen[a.version or "?" if a.ok else "failed"] += 1
        return seen

    def start(self) -> User:
        self._thread = threading.Thread(target=self._loop, name="matrix-user", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Answer]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return list(self.answers)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.once()
            self._stop.wait(self.interval)


def failures(answers: list[Answer]) -> list[Answer]:
    return [a for a in answers if not a.ok]
