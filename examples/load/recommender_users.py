"""A user's own Locust users (referenced by examples/canary-nginx.yaml as `load.locustfile`).

ai-deploy-ci still captures raw per-request samples from these users through its plugin.
"""

from locust import FastHttpUser, between, task


class ShopperUser(FastHttpUser):
    wait_time = between(0.05, 0.2)

    @task(3)
    def recommend_for_user(self) -> None:
        self.client.post("/recommend", json={"user_id": 1842, "k": 10}, name="recommend")

    @task(1)
    def similar_items(self) -> None:
        self.client.post("/similar", json={"item_id": "sku-3391", "k": 5}, name="similar")
