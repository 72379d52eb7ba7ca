"""The ordered verdict every gate, metric and run ends with (Argo Rollouts' `Worst()` idea)."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Verdict(enum.IntEnum):
    """PASS < INCONCLUSIVE < FAIL, so the worst of several is `max`."""

    PASS = 0
    INCONCLUSIVE = 1
    FAIL = 2

    @classmethod
    def worst(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """The worst verdict; an empty input is INCONCLUSIVE, never PASS."""
        return max(verdicts, default=cls.INCONCLUSIVE)

    def __str__(self) -> str:
        return self.name
