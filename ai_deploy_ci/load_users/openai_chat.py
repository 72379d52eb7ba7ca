"""OpenAI-compatible /v1/chat/completions with SSE streaming; payloads may carry `messages`
and any request field (max_tokens, temperature, stop, …), which is sent as given."""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load_users import wire
from ai_deploy_ci.load_users.base import InferenceUser, prompt_of
from ai_deploy_ci.load_users.streaming import stream_request


class OpenAIChatUser(InferenceUser):
    default_path = "/v1/chat/completions"

    @task
    def chat(self) -> None:
        index, payload = self.next_payload()
        body = wire.openai_body(payload, chat=True, model=self.model_name, max_tokens=self.max_tokens,
                                ignore_eos=self.ignore_eos, prompt=prompt_of(payload))
        stream_request(self, self.request_path(), body, index, wire.chat_text)
