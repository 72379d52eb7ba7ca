"""The OpenAI user through real Locust against a server whose streams go wrong in each known way.

The stand-in server answers by prompt: an error event mid-stream (vLLM's shape, then `[DONE]`),
no finish_reason, finish_reason "abort", a complete stream whose chunks carry two tokens each
with the true count in `usage`. It records every request body, so the test also sees which
fields the user really sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from ai_deploy_ci.artifacts import SAMPLES_FILE
from ai_deploy_ci.load import runner, samples_io
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.load.locustfile_gen import BUILTIN_USERS

pytestmark = pytest.mark.timeout(120)


def _chunk(text: str = "", finish: str | None = None) -> dict[str, Any]:
    return {"id": "c", "object": "text_completion", "model": "m",
            "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}]}


def _events(prompt: str) -> list[dict[str, Any] | str]:
    words = [_chunk(" a b"), _chunk(" c d"), _chunk(" e f")]
    usage = {"id": "c", "object": "text_completion", "model": "m", "choices": [],
             "usage": {"prompt_tokens": 1, "completion_tokens": 6, "total_tokens": 7}}
    if prompt == "error":
        error = {"object": "error", "message": "engine died", "type": "InternalServerError",
                 "param": None, "code": 500}
        return [words[0], {"error": error}, "[DONE]"]
    if prompt == "nofinish":
        return [*words, "[DONE]"]
    if prompt == "abort":
        return [*words, _chunk("", "abort"), "[DONE]"]
    return [*words, _chunk("", "length"), usage, "[DONE]"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append({**body, "_path": self.path, "_auth": self.headers.get("Authorization")})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in _events(str(body.get("prompt"))):
            data = event if isinstance(event, str) else json.dumps(event)
            raw = f"data: {data}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


@pytest.fixture
def sse_server() -> Iterator[str]:
    _Handler.bodies = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_stream_failures_have_their_own_kinds_and_usage_counts(sse_server: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_TEST_TOKEN", "s3cret")
    payloads: list[object] = [{"prompt": p, "max_tokens": 5, "temperature": 0}
                              for p in ("ok", "error", "nofinish", "abort")]
    config = RunConfig(targets={"baseline": sse_server, "candidate": sse_server},
                       user_ref=BUILTIN_USERS["openai-completions"], samples_dir=str(tmp_path / "raw"),
                       payloads=payloads, model_name="m", max_tokens=64, users_per_target=2,
                       spawn_rate=100.0, warmup=0.0, duration=3.0,
                       request_path="/openai/{model}/v1/completions",
                       request_headers={"Authorization": "Bearer ${LLM_TEST_TOKEN}"})
    summary = runner.execute(config, tmp_path)
    for target in ("baseline", "candidate"):
        t = summary["targets"][target]
        kinds = t["errors_by_kind"]
        assert set(kinds) == {"stream-error", "finish-reason"}, kinds
        # one payload in four errors mid-stream, two end abnormally
        assert abs(kinds["stream-error"] - t["count"] / 4) <= 2, (kinds, t["count"])
        assert abs(kinds["finish-reason"] - t["count"] / 2) <= 2, (kinds, t["count"])
        # goodput counts only the complete streams
        assert t["goodput"] <= round((t["count"] - t["errors"]) / 3.0, 3) + 1e-9  # summary rounds to 3
    samples = samples_io.read_samples(tmp_path / SAMPLES_FILE)["baseline"]
    ok_tokens = samples.tokens[samples.ok]
    assert ok_tokens.size and np.all(ok_tokens == 6), ok_tokens  # the server's usage, not 3 events
    sent = _Handler.bodies[0]
    assert sent["max_tokens"] == 5 and sent["temperature"] == 0  # the payload's, not load.maxTokens
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["_path"] == "/openai/m/v1/completions" and sent["_auth"] == "Bearer s3cret"
