"""Watch: replay from a resourceVersion, then stream committed events, filtered by selectors.

As on a real server: no resourceVersion (or "0") starts with synthetic ADDED events for the current
state; a resourceVersion older than the kept history yields one ERROR event with a 410 Expired
Status; an object that stops (starts) matching a selector is sent as DELETED (ADDED).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .errors import invalid
from .resources import ResourceType
from .rest import Api
from .selectors import parse_field_selector, parse_label_selector

MAX_TIMEOUT = 1800.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def events(
    api: Api, rt: ResourceType, namespace: str | None, params: dict[str, str], stopping: threading.Event
) -> Iterator[dict[str, Any]]:
    """Yield watch events until timeoutSeconds (wall seconds, capped), server stop, or an ERROR."""
    labels = parse_label_selector(params.get("labelSelector"))
    fields = parse_field_selector(params.get("fieldSelector"), rt.plural)

    def matches(obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        meta = obj.get("metadata", {})
        if namespace is not None and meta.get("namespace", "") != namespace:
            return False
        return bool(labels(meta.get("labels") or {}) and fields(obj))

    timeout = min(float(params.get("timeoutSeconds") or MAX_TIMEOUT), MAX_TIMEOUT)
    deadline = time.monotonic() + timeout
    bookmarks = params.get("allowWatchBookmarks") in ("true", "1")
    store = api.store
    rv_param = params.get("resourceVersion") or "0"
    send_initial = params.get("sendInitialEvents")
    with store.lock:
        if send_initial == "true" or (send_initial is None and rv_param == "0"):
            # Watch-list (sendInitialEvents=true, NotOlderThan): the current state is at least as
            # new as any resourceVersion asked for, so it is served whatever the parameter says.
            last, current = store.snapshot(rt.key)
            initial = [api.render(rt, o) for o in current if matches(o)]
        elif send_initial == "false" and rv_param == "0":
            last, initial = store.resource_version, []  # "start at the most recent"
        else:
            try:
                last = int(rv_param)
            except ValueError:
                yield _error(400, "BadRequest", f"invalid resource version: {rv_param}")
                return
            initial = []
            if last < store.oldest_replayable():
                yield _error(
                    410, "Expired", f"too old resource version: {last} ({store.oldest_replayable() + 1})"
                )
                return
    for obj in initial:
        yield {"type": "ADDED", "object": obj}
    if send_initial == "true":
        # The client's informer counts as synced only after this bookmark (apiserver
        # storage/cacher `cacheWatcher`: the initial-events-end bookmark carries the snapshot's RV).
        yield _bookmark(rt, last, {INITIAL_EVENTS_END: "true"})
    last_bookmark = time.monotonic()
    while not stopping.is_set():
        now = time.monotonic()
        if now >= deadline:
            break
        with store.lock:
            if last < store.oldest_replayable():
                yield _error(410, "Expired", f"too old resource version: {last}")
                return
            batch = store.events_after(last)
            if not batch:
                store.changed.wait(min(0.5, deadline - now))
                batch = store.events_after(last)
        for ev in batch:
            last = ev.rv
            if ev.key != rt.key:
                continue
            out = _translate(ev.type, matches(ev.old), matches(ev.obj))
            if out:
                yield {"type": out, "object": api.render(rt, _copy(ev.obj))}
        if bookmarks and time.monotonic() - last_bookmark > 1.0:
            last_bookmark = time.monotonic()
            yield _bookmark(rt, last)


def _bookmark(rt: ResourceType, rv: int, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if annotations:
        meta["annotations"] = annotations
    return {"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}}


def check_options(params: dict[str, str]) -> None:
    """Reject watch options a real server refuses, as apimachinery's `validateWatchOptions`
    (pkg/apis/meta/internalversion/validation): 422 Invalid on ListOptions."""
    causes: list[tuple[str, str, str]] = []
    match = params.get("resourceVersionMatch") or ""
    send_initial = params.get("sendInitialEvents")
    if send_initial is not None and match != "NotOlderThan":
        causes.append(
            (
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )
        )
    if match:
        if send_initial is None:
            causes.append(
                (
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch is forbidden for watch unless "
                    "sendInitialEvents is provided",
                )
            )
        elif match != "NotOlderThan":
            causes.append(
                (
                    "resourceVersionMatch",
                    "FieldValueNotSupported",
                    f'Unsupported value: "{match}": supported values: "NotOlderThan"',
                )
            )
        if send_initial == "true" and params.get("allowWatchBookmarks") not in ("true", "1"):
            causes.append(
                (
                    "allowWatchBookmarks",
                    "FieldValueForbidden",
                    "Forbidden: allowWatchBookmarks must be set to true when "
                    "sendInitialEvents is set to true",
                )
            )
    if causes:
        raise invalid("ListOptions", "meta.k8s.io", "", causes)


def _translate(kind: str, old_match: bool, new_match: bool) -> str | None:
    if kind == "ADDED":
        return "ADDED" if new_match else None
    if kind == "DELETED":
        return "DELETED" if old_match else None
    if old_match and new_match:
        return "MODIFIED"
    if new_match:
        return "ADDED"
    if old_match:
        return "DELETED"
    return None


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(obj)


def _error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": "ERROR",
        "object": {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
    }


WriteLine = Callable[[bytes], None]
