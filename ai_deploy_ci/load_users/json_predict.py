"""JSON predict: POST /predict with the payload as body (the sample model server's own API)."""

from __future__ import annotations

from locust import task

from ai_deploy_ci.load.capture import PAYLOAD_KEY
from ai_deploy_ci.load_users.base import InferenceUser


class JsonPredictUser(InferenceUser):
    path = "/predict"

    @task
    def predict(self) -> None:
        index, payload = self.next_payload()
        self.client.post(self.path, json=payload, name=self.path, context={PAYLOAD_KEY: index})
