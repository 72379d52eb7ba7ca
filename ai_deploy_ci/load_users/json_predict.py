"""JSON predict: the payload as the JSON body, POST /predict by default (the sample server's own API).

`load.request` changes the path, method and headers: KServe v1 is `/v1/models/{model}:predict`,
Seldon v1 `/api/v1.0/predictions`, TorchServe `/predictions/{model}`.
"""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load.capture import PAYLOAD_KEY
from ai_deploy_ci.load_users.base import InferenceUser


class JsonPredictUser(InferenceUser):
    default_path = "/predict"

    @task
    def predict(self) -> None:
        index, payload = self.next_payload()
        path = self.request_path()
        self.client.request(self.request_method, path, json=payload, name=path,
                            headers=self.request_headers or None, context={PAYLOAD_KEY: index})
