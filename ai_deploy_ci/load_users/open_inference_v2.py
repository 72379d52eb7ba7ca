"""Open Inference Protocol v2 (KServe, Triton, MLServer): POST /v2/models/{model}/infer.

Request bodies are built by `wire.to_infer_request` (payloads with `inputs` pass through);
`load.request` may change the path (e.g. with `/versions/<v>`) and add headers.
"""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load.capture import PAYLOAD_KEY
from ai_deploy_ci.load_users.base import InferenceUser
from ai_deploy_ci.load_users.wire import to_infer_request


class OpenInferenceV2User(InferenceUser):
    default_path = "/v2/models/{model}/infer"

    @task
    def infer(self) -> None:
        index, payload = self.next_payload()
        path = self.request_path()
        self.client.post(path, json=to_infer_request(payload), name=path,
                         headers=self.request_headers or None, context={PAYLOAD_KEY: index})
