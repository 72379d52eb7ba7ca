"""Open Inference Protocol v2 (KServe, Triton, MLServer): POST /v2/models/{name}/infer.

Request bodies are built by `wire.to_infer_request` (payloads with `inputs` pass through).
"""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load.capture import PAYLOAD_KEY
from ai_deploy_ci.load_users.base import InferenceUser
from ai_deploy_ci.load_users.wire import to_infer_request


class OpenInferenceV2User(InferenceUser):
    @task
    def infer(self) -> None:
        index, payload = self.next_payload()
        path = f"/v2/models/{self.model_name}/infer"
        self.client.post(path, json=to_infer_request(payload), name=path, context={PAYLOAD_KEY: index})
