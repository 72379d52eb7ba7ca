"""Rolling-update arithmetic, as Kubernetes' deployment controller does it (pure functions).

maxSurge rounds up and maxUnavailable rounds down when given as percentages; if both resolve to 0,
maxUnavailable becomes 1 (otherwise no progress would be possible).

>>> resolve_fenceposts("25%", "25%", 3)   # surge ceil(0.75)=1, unavailable floor(0.75)=0
(1, 0)
>>> resolve_fenceposts(0, "10%", 3)       # both 0 → unavailable 1
(0, 1)
>>> new_rs_replicas(desired=3, surge=1, new=0, total=3)   # may add one pod above 3
1
>>> old_scale_down(desired=3, unavailable=0, total=4, new_unavailable=1, old_available=[3])
0
"""

from __future__ import annotations

import math


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        raw = int(text[:-1]) * total / 100
        return math.ceil(raw) if round_up else math.floor(raw)
    return int(text)


def resolve_fenceposts(
    max_surge: int | str | None, max_unavailable: int | str | None, desired: int
) -> tuple[int, int]:
    surge = scaled_value(max_surge, desired, True)
    unavailable = scaled_value(max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def new_rs_replicas(desired: int, surge: int, new: int, total: int) -> int:
    """Replicas for the new ReplicaSet: grow toward `desired` while all pods stay ≤ desired + surge."""
    if new >= desired:
        return desired
    room = desired + surge - total
    if room <= 0:
        return new
    return min(new + room, desired)


def old_scale_down(
    desired: int, unavailable: int, total: int, new_unavailable: int, old_available: list[int]
) -> int:
    """How many old pods may go now so that at least desired − maxUnavailable stay available."""
    min_available = desired - unavailable
    max_scaled_down = total - min_available - new_unavailable
    return max(0, max_scaled_down)
