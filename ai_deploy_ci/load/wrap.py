"""Inside Locust: one subclass per target of the chosen user class, and our load shape.

Baseline and candidate get the same user class, equal weights and the same payload sequence,
so they are loaded side by side and interleaved in time: drift on a shared machine hits both.
The user's own class is never bound at module level of the generated locustfile, so Locust
does not run it a third time against no host. Imports Locust: only ever imported inside it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import random
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import gevent.pool
from locust import User, constant
from locust.exception import InterruptTaskSet, RescheduleTask, StopUser
from locust.user.users import LOCUST_STATE_STOPPING

from ai_deploy_ci.load import plugin, shapes
from ai_deploy_ci.load.capture import TARGET_KEY
from ai_deploy_ci.load.config import RunConfig, current_config
from ai_deploy_ci.load_users.stages import StagesShape


def resolve_user_class(ref: str) -> type[User]:
    """`pkg.module:Class`, `path/to/file.py` or `path/to/file.py:Class` → the User class."""
    target, name = ref, ""
    if ":" in ref and not ref.endswith(".py"):
        target, _, name = ref.rpartition(":")
    if target.endswith(".py"):
        path = Path(target).resolve()
        spec = importlib.util.spec_from_file_location(f"adc_user_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import locustfile {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        sys.path.insert(0, str(path.parent))  # the locustfile may import its neighbours
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    if name:
        cls = getattr(module, name)
        return cls
    found = [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, User)
             and not c.abstract and c.__module__ == module.__name__]
    if len(found) != 1:
        names = ", ".join(c.__name__ for c in found) or "none"
        raise ImportError(f"{ref}: expected exactly one User class, found {names}; name one as FILE:Class")
    return found[0]


def _run_task(user: User, task: Any) -> None:
    try:
        task(user)
    except (RescheduleTask, InterruptTaskSet):
        pass
    except StopUser:
        pass
    except gevent.GreenletExit:
        raise
    except Exception as exc:  # reported like Locust reports task errors
        user.environment.events.user_error.fire(user_instance=user, exception=exc, tb=exc.__traceback__)


def _open_dispatch(user: User) -> None:
    """Open model: spawn the user's task on a schedule, never waiting for earlier requests.

    The schedule (`load.stages` or one rate) runs from this dispatcher's start, which is the
    shape's start: all dispatchers are spawned at once. When it ends, the dispatcher idles
    until the shape's hard stop; returning would make Locust run the task (the schedule) again.
    """
    config = current_config()
    assert config is not None
    declared: list[Any] = getattr(type(user), "adc_tasks", [])
    tasks = [t for t in declared if callable(t) and not inspect.isclass(t)]
    if not tasks:
        raise RuntimeError("open model needs function tasks (@task methods), not TaskSets")
    pool = gevent.pool.Pool(config.max_inflight)
    rng = random.Random()
    started = time.perf_counter()
    arrivals = shapes.arrival_times(shapes.dispatcher_segments(config), config.arrival, rng,
                                    1.0 / max(1, config.processes))
    try:
        for offset in arrivals:
            if user._state == LOCUST_STATE_STOPPING:  # graceful stop: no new arrivals, let pending finish
                break
            delay = started + offset - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            if pool.full():
                plugin.note_dropped_arrival()
                continue
            pool.spawn(_run_task, user, rng.choice(tasks))
        while user._state != LOCUST_STATE_STOPPING:
            gevent.sleep(0.2)
        pool.join(timeout=2.0)
    finally:
        pool.kill(block=False)


_alive: dict[str, int] = {}  # users running in this process, per target


def make_target_class(base: type[User], target: str, url: str, config: RunConfig) -> type[User]:
    def __init__(self: User, *args: Any, **kwargs: Any) -> None:
        if config.processes > 1:
            chosen = shapes.pick_target(_alive, target, list(config.targets))
        else:
            # One process: Locust keeps the two equal-weight classes equal at every user count, a
            # stage's ramp-down included (it stops users by class), so the class is the target.
            chosen = target
            _alive[chosen] = _alive.get(chosen, 0) + 1
        self.adc_target = chosen  # type: ignore[attr-defined]
        self.host = config.targets[chosen]
        base.__init__(self, *args, **kwargs)

    def on_stop(self: User) -> None:
        _alive[self.adc_target] -= 1  # type: ignore[attr-defined]  # a later ramp-up refills this side
        base.on_stop(self)

    def context(self: User) -> dict[str, Any]:
        return {**base.context(self), TARGET_KEY: self.adc_target}  # type: ignore[attr-defined]

    attrs: dict[str, Any] = {"host": url, "weight": 1, "adc_target": target, "context": context,
                             "__init__": __init__, "on_stop": on_stop, "__module__": __name__}
    if config.load_model == "open":
        attrs.update(adc_tasks=list(base.tasks), tasks=[_open_dispatch], wait_time=constant(0))
        if hasattr(base, "concurrency"):  # FastHttpUser's connection pool must hold the in-flight requests
            attrs["concurrency"] = config.max_inflight
    cls: type[User] = type(f"{base.__name__}_{target}", (base,), attrs)
    if config.load_model == "open":
        # Locust's metaclass adds the base class's tasks to the declared ones: without this, the
        # user would also run the task closed-loop (back to back) whenever it is picked instead
        # of the dispatcher, e.g. a burst at the start before the dispatcher is chosen
        cls.tasks = [_open_dispatch]
    return cls


class RunShape(StagesShape):
    """The run's stages (`shapes.locust_stages`): warm-up + duration, then the hard stop."""

    abstract = True
    config: RunConfig | None = None


def build(namespace: dict[str, Any]) -> None:
    """Populate the generated locustfile's globals with the target classes and the shape."""
    config = current_config()
    if config is None:
        raise RuntimeError("AI_DEPLOY_CI_LOAD_CONFIG is not set: run through ai-deploy-ci load-test")
    base = resolve_user_class(config.user_ref)
    for target, url in config.targets.items():
        cls = make_target_class(base, target, url, config)
        namespace[cls.__name__] = cls
    attrs = {"config": config, "stages": shapes.locust_stages(config), "abstract": False,
             "__module__": __name__}
    namespace["AdcShape"] = type("AdcShape", (RunShape,), attrs)
