"""Shared behaviour of the built-in users: payload rotation and run settings.

Both targets walk the same payload sequence (a counter per target in each process), so the
k-th request to the baseline and the k-th to the candidate carry the same input; that is what
makes latency comparable and agreement measurable.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, ClassVar

from locust import FastHttpUser

from ai_deploy_ci.load.config import current_config
from ai_deploy_ci.load_users import wire

_CONFIG = current_config()
DEFAULT_PAYLOADS: list[object] = [{"text": "great movie"}, {"text": "terrible plot"}]
_counters: dict[str, Iterator[int]] = {}


def payloads() -> list[object]:
    return (_CONFIG.payloads if _CONFIG and _CONFIG.payloads else None) or DEFAULT_PAYLOADS


class InferenceUser(FastHttpUser):
    """Back-to-back requests (closed model); our wrapper sets host and target."""

    abstract = True
    adc_target: ClassVar[str] = "default"
    model_name: ClassVar[str] = _CONFIG.model_name if _CONFIG else "model"
    max_tokens: ClassVar[int] = _CONFIG.max_tokens if _CONFIG else 64
    ignore_eos: ClassVar[bool] = _CONFIG.ignore_eos if _CONFIG else False
    request_method: ClassVar[str] = _CONFIG.request_method if _CONFIG else "POST"
    request_headers: ClassVar[dict[str, str]] = (wire.expand_headers(_CONFIG.request_headers)
                                                 if _CONFIG else {})
    default_path: ClassVar[str] = "/predict"
    network_timeout = 60.0
    connection_timeout = 10.0

    @classmethod
    def request_path(cls) -> str:
        """load.request.path (with `{model}` replaced) or the protocol's own path."""
        template = (_CONFIG.request_path if _CONFIG else "") or cls.default_path
        return wire.request_path(template, cls.model_name)

    def next_payload(self) -> tuple[int, Any]:
        items = payloads()
        counter = _counters.setdefault(self.adc_target, itertools.count())
        i = next(counter) % len(items)
        return i, items[i]


def prompt_of(payload: Any) -> str:
    """The text to send as a prompt: `prompt`, else `text`, else the payload itself."""
    if isinstance(payload, dict):
        return str(payload.get("prompt") or payload.get("text") or payload)
    return str(payload)
