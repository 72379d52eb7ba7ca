"""The body of every `*_factory` fixture: whatever the factory started is stopped at teardown.

    @pytest.fixture
    def thing_factory() -> Iterator[Callable[..., Thing]]:
        with stopped_at_teardown(start_thing, Thing.stop) as start:
            yield start

Written once so that no fixture forgets a server or process when a test fails half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def stopped_at_teardown(start: Callable[P, T], stop: Callable[[T], object]) -> Iterator[Callable[P, T]]:
    """`start`, remembering what it returns; `stop` each of those, in start order, when the block ends."""
    started: list[T] = []

    def tracked(*args: P.args, **kwargs: P.kwargs) -> T:
        obj = start(*args, **kwargs)
        started.append(obj)
        return obj

    try:
        yield tracked
    finally:
        for obj in started:
            stop(obj)
