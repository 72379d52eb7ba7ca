"""A k6-style stages load shape for Locust (imported only inside Locust).

`ai-deploy-ci load-test` plays `load.stages` through a subclass of `StagesShape` (see
`ai_deploy_ci.load.wrap.build`); by hand, subclass it in your locustfile:

    from ai_deploy_ci.load_users.stages import StagesShape

    class Ramp(StagesShape):
        stages = [{"duration": 30, "users": 10, "spawn_rate": 5},
                  {"duration": 60, "users": 50, "spawn_rate": 10},
                  {"duration": 30, "users": 10}]

Each stage holds its `users` (all user classes together) for `duration` seconds; durations are
per stage, not cumulative end times as in Locust's own example. The arithmetic is
`ai_deploy_ci.load.shapes.stage_tick`, pure and unit-tested.
"""

from __future__ import annotations

from typing import ClassVar

from locust import LoadTestShape

from ai_deploy_ci.load import shapes


class StagesShape(LoadTestShape):
    """Holds each stage's user count for its duration, then stops the test (tick → None)."""

    abstract = True  # a subclass with its stages is the shape Locust runs
    stages: ClassVar[list[dict[str, float]]] = []

    def tick(self) -> tuple[int, float] | None:
        return shapes.stage_tick(self.stages, self.get_run_time())
