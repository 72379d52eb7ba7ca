"""OpenAI-compatible /v1/chat/completions with SSE streaming; payloads may carry `messages`."""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load_users import wire
from ai_deploy_ci.load_users.base import InferenceUser, prompt_of
from ai_deploy_ci.load_users.streaming import stream_request


class OpenAIChatUser(InferenceUser):
    path = "/v1/chat/completions"

    @task
    def chat(self) -> None:
        index, payload = self.next_payload()
        messages = payload.get("messages") if isinstance(payload, dict) else None
        body = {"model": self.model_name, "max_tokens": self.max_tokens,
                "messages": messages or [{"role": "user", "content": prompt_of(payload)}]}
        stream_request(self, self.path, body, index, wire.chat_text)
