"""Request handling without sockets: (method, path, body) → a `Reply`, possibly streamed.

The HTTP layer (`server.py`) only parses and writes bytes; everything a test wants to reason
about — routing, knobs, latency, errors, token pacing, metrics — is here. Injected latency is
a *deadline* measured from when the request was parsed (`started`), so compute time is part of
it rather than added to it: with EXTRA_LATENCY_MS=50 the service time is 50 ms plus sleep
overshoot (~0.1 ms), which is what a test of "p50 within 2 %" needs.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ai_deploy_ci.local.model_server import openai_api
from ai_deploy_ci.local.model_server import protocols as proto
from ai_deploy_ci.local.model_server.knobs import Knobs
from ai_deploy_ci.local.model_server.metrics import ServerMetrics
from ai_deploy_ci.local.model_server.model import IrisModel
from ai_deploy_ci.local.model_server.slots import Slots
from ai_deploy_ci.local.model_server.streaming import Pacing, complete, sse_events
from ai_deploy_ci.local.model_server.textgen import MarkovGenerator

JSON = "application/json"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = JSON
    stream: Iterator[bytes] | None = None  # SSE events, written with chunked encoding
    headers: dict[str, str] = field(default_factory=dict)
    not_before: float = 0.0  # perf_counter deadline: the writer sleeps until then (injected latency)


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode())


class ModelApp:
    """The server's behaviour; thread-safe (shared state is the rng and a counter under a lock)."""

    def __init__(self, knobs: Knobs):
        self.knobs = knobs
        self.model = IrisModel.train(wrong_output_rate=knobs.wrong_output_rate, seed=knobs.seed)
        self.generator = MarkovGenerator(seed=knobs.seed)
        self.metrics = ServerMetrics(knobs.model_name, knobs.model_version)
        self.rng = random.Random(knobs.seed)
        self.created = int(time.time())
        self.ready_at = time.monotonic() + knobs.startup_delay_s
        self.draining = False
        self._lock = threading.Condition()
        self.in_flight = 0
        self.slots = Slots(knobs.max_concurrency, knobs.max_queue)

    # -- state --------------------------------------------------------------------------
    def ready(self) -> bool:
        return not self.draining and time.monotonic() >= self.ready_at

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
        self.metrics.in_flight.inc()

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self._lock.notify_all()
        self.metrics.in_flight.dec()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is in flight or `timeout` passes; True if idle."""
        with self._lock:
            return self._lock.wait_for(lambda: self.in_flight == 0, timeout=max(0.0, timeout))

    # -- routing ------------------------------------------------------------------------
    def endpoint(self, method: str, path: str) -> str:
        """A low-cardinality route name for metrics and dispatch."""
        if path.startswith("/v2/models/"):
            if path.endswith("/infer"):
                return "v2_infer"
            return "v2_model_ready" if path.endswith("/ready") else "v2_model_metadata"
        method = "GET" if method == "HEAD" else method  # HEAD answers as GET, without the body
        if method == "POST" and path.startswith("/v1/models/") and path.endswith(":predict"):
            return "predict"  # KServe v1 protocol: same {"instances": …} → {"predictions": …}
        return _ROUTES.get((method, path), "not_found")

    def handle(self, method: str, path: str, body: bytes, started: float,
               headers: Mapping[str, str] | None = None) -> tuple[str, Reply]:
        """`started`: when the request may start being served (after any queueing in `slots`);
        `headers` with lower-case names."""
        endpoint = self.endpoint(method, path)
        if endpoint in INFERENCE:
            error = _error_reply(endpoint)
            if time.monotonic() < self.ready_at:
                return endpoint, error(503, "model is loading", "server_error")
            if self.knobs.should_fail(self.rng):
                return endpoint, error(self.knobs.error_status, "injected failure", "server_error")
            if endpoint == "v2_infer" and headers and headers.get(proto.BINARY_HEADER.lower()) is not None:
                return endpoint, error(400, proto.BINARY_UNSUPPORTED, "invalid_request_error")
            try:
                payload = json.loads(body or b"null")
                return endpoint, getattr(self, "_" + endpoint)(payload, path, started)
            except openai_api.OpenAIError as exc:
                return endpoint, json_reply(exc.status, exc.body())
            except (proto.BadRequest, json.JSONDecodeError, UnicodeDecodeError) as exc:
                return endpoint, error(400, str(exc), "invalid_request_error")
        return endpoint, self._control(endpoint, path)

    def _control(self, endpoint: str, path: str) -> Reply:
        k = self.knobs
        if endpoint == "metrics":
            return Reply(200, self.metrics.exposition(), self.metrics.content_type)
        if endpoint == "health":  # vLLM: 200 with an empty body while the engine is alive
            return Reply(200, b"")
        if endpoint in ("healthz", "v2_live"):
            return json_reply(200, {"status": "ok", "live": True})
        if endpoint in ("readyz", "v2_ready"):
            ok = self.ready()
            reason = "ok" if ok else ("draining" if self.draining else "starting")
            return json_reply(200 if ok else 503, {"status": reason, "ready": ok})
        if endpoint == "v2_server":
            return json_reply(
                200,
                {"name": "ai-deploy-ci-sample-model-server", "version": k.model_version, "extensions": []},
            )
        if endpoint == "models":
            return json_reply(200, proto.models_list(k.model_name, self.created))
        if endpoint in ("v2_model_metadata", "v2_model_ready"):
            if not self._model_path_ok(path):
                return json_reply(404, {"error": f"model not found: {path}"})
            if endpoint == "v2_model_ready":
                return json_reply(200 if self.ready() else 503, {"name": k.model_name, "ready": self.ready()})
            return json_reply(200, proto.v2_model_metadata(k.model_name, k.model_version))
        if endpoint == "index":
            return json_reply(
                200,
                {
                    "model_name": k.model_name,
                    "model_version": k.model_version,
                    "endpoints": sorted({p for _, p in _ROUTES}),
                },
            )
        return json_reply(404, {"error": f"no route for {path}"})

    def _model_path_ok(self, path: str) -> bool:
        parts = path.split("/")  # ['', 'v2', 'models', name, ('versions', v)?, ('infer'|'ready')?]
        if len(parts) < 4 or parts[3] != self.knobs.model_name:
            return False
        rest = parts[4:]
        if rest and rest[-1] in ("infer", "ready"):
            rest = rest[:-1]
        return not rest or (len(rest) == 2 and rest[0] == "versions" and rest[1] == self.knobs.model_version)

    # -- inference ----------------------------------------------------------------------
    def _infer_rows(self, rows: list[list[float]]) -> list[Any]:
        preds = self.model.predict(rows)
        wrong = sum(p.wrong for p in preds)
        if wrong:
            self.metrics.wrong.inc(wrong)
        return preds

    def _delayed(self, reply: Reply, started: float) -> Reply:
        """Set the deadline once the answer is encoded, so encoding counts towards it."""
        reply.not_before = started + self.knobs.service_delay_s(time.perf_counter() - started, self.rng)
        return reply

    def _predict(self, payload: Any, path: str, started: float) -> Reply:
        rows = proto.parse_predict(payload, self.model.features_from_text)
        body = proto.encode_predict(self._infer_rows(rows), self.knobs.model_name, self.knobs.model_version)
        return self._delayed(json_reply(200, body), started)

    def _v2_infer(self, payload: Any, path: str, started: float) -> Reply:
        if not self._model_path_ok(path):
            return json_reply(404, {"error": f"model not found: {path}"})
        rows, echo = proto.parse_v2_infer(payload, self.model.features_from_text)
        body = proto.encode_v2_infer(
            self._infer_rows(rows), self.knobs.model_name, self.knobs.model_version, echo
        )
        return self._delayed(json_reply(200, body), started)

    def _completions(self, payload: Any, path: str, started: float) -> Reply:
        return self._openai(payload, started, chat=False)

    def _chat_completions(self, payload: Any, path: str, started: float) -> Reply:
        return self._openai(payload, started, chat=True)

    def _openai(self, payload: Any, started: float, chat: bool) -> Reply:
        req = openai_api.parse_request(payload, chat)
        model = str(payload.get("model") or self.knobs.model_name)
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        first_due = (
            started
            + self.knobs.service_delay_s(time.perf_counter() - started, self.rng)
            + self.knobs.first_token_ms / 1000.0
        )
        if req.stream:
            pacing = Pacing(started, first_due, self.knobs.token_interval_ms / 1000.0)
            events = sse_events(self.generator, self.metrics, chat, rid, model, req, pacing)
            return Reply(
                200, content_type="text/event-stream", stream=events, headers={"Cache-Control": "no-cache"}
            )
        choices, prompt_tokens = complete(self.generator, req)
        completion_tokens = sum(c.count for c in choices)
        self.metrics.count_tokens(prompt_tokens, completion_tokens)
        use = proto.usage(prompt_tokens, completion_tokens)
        body = proto.openai_response(chat, rid, int(time.time()), model,
                                     [(c.text, c.finish or "length") for c in choices], use)
        reply = json_reply(200, body)
        longest = max(c.count for c in choices)
        reply.not_before = first_due + max(0, longest - 1) * self.knobs.token_interval_ms / 1000.0
        return reply


def _error_reply(endpoint: str) -> Any:
    """The error body each protocol's clients parse: OpenAI's object, else `{"error": "…"}`."""
    def make(status: int, message: str, kind: str) -> Reply:
        if endpoint in ("completions", "chat_completions"):
            return json_reply(status, openai_api.error_body(message, None, kind, None))
        return json_reply(status, {"error": message})
    return make


INFERENCE = frozenset({"predict", "v2_infer", "completions", "chat_completions"})
_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): "index",
    ("GET", "/health"): "health",
    ("GET", "/healthz"): "healthz",
    ("GET", "/livez"): "healthz",
    ("GET", "/readyz"): "readyz",
    ("GET", "/metrics"): "metrics",
    ("GET", "/v2"): "v2_server",
    ("GET", "/v2/health/live"): "v2_live",
    ("GET", "/v2/health/ready"): "v2_ready",
    ("GET", "/v1/models"): "models",
    ("POST", "/predict"): "predict",
    ("POST", "/v1/completions"): "completions",
    ("POST", "/v1/chat/completions"): "chat_completions",
}
