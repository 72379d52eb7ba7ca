"""OpenAI-compatible /v1/completions with SSE streaming (vLLM, TGI, llama.cpp server, ...);
a payload's request fields (max_tokens, temperature, stop, …) are sent as given."""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load_users import wire
from ai_deploy_ci.load_users.base import InferenceUser, prompt_of
from ai_deploy_ci.load_users.streaming import stream_request


class OpenAICompletionsUser(InferenceUser):
    default_path = "/v1/completions"

    @task
    def complete(self) -> None:
        index, payload = self.next_payload()
        body = wire.openai_body(payload, chat=False, model=self.model_name, max_tokens=self.max_tokens,
                                ignore_eos=self.ignore_eos, prompt=prompt_of(payload))
        stream_request(self, self.request_path(), body, index, wire.completion_text)
