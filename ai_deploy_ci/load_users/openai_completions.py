"""OpenAI-compatible /v1/completions with SSE streaming (vLLM, TGI, llama.cpp server, ...)."""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load_users import wire
from ai_deploy_ci.load_users.base import InferenceUser, prompt_of
from ai_deploy_ci.load_users.streaming import stream_request


class OpenAICompletionsUser(InferenceUser):
    path = "/v1/completions"

    @task
    def complete(self) -> None:
        index, payload = self.next_payload()
        body = {"model": self.model_name, "prompt": prompt_of(payload), "max_tokens": self.max_tokens}
        stream_request(self, self.path, body, index, wire.completion_text)
