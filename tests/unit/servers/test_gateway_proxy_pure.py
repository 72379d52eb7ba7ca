"""Pure helpers of the gateway's I/O side: header rewriting and the watch-stream line splitter."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ai_deploy_ci.local.gateway.proxy import request_headers
from ai_deploy_ci.local.gateway.watcher import _events


def test_request_headers_drop_hop_by_hop_and_append_forwarded_for() -> None:
    raw = [
        ("Host", "model.example.com"),
        ("Connection", "keep-alive"),
        ("Keep-Alive", "timeout=5"),
        ("Content-Length", "12"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("X-Canary", "always"),
    ]
    assert request_headers(raw, "127.0.0.1") == {
        "Host": "model.example.com",
        "X-Canary": "always",
        "X-Forwarded-For": "10.0.0.1, 127.0.0.1",
    }
    assert request_headers({"Host": "h"}, "127.0.0.2")["X-Forwarded-For"] == "127.0.0.2"


class _Stream:
    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks

    def stream(self, amt: int, decode_content: bool = False) -> Iterator[bytes]:
        yield from self.chunks


def test_watch_events_split_across_chunks() -> None:
    events = [{"type": "ADDED", "object": {"metadata": {"name": str(i)}}} for i in range(3)]
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    chunks = [data[:7], data[7:40], data[40:41], data[41:]]
    assert list(_events(_Stream(chunks))) == events
    assert list(_events(_Stream([json.dumps(events[0]).encode()]))) == events[:1]  # no final newline
