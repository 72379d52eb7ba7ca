"""PATCH, DELETE (with propagation) and the scale subresource, built on `Api.update`.

Patches are applied to the current object and committed with its resourceVersion; a concurrent
write makes the server retry the patch (as kube-apiserver does) unless the patch itself carries
`metadata.resourceVersion`, which then acts as a precondition (409 Conflict when stale).
"""

from __future__ import annotations

import json
from typing import Any

from . import patch as patching
from . import schemas
from .errors import ApiError, bad_request, conflict, unsupported_media_type
from .resources import ResourceType
from .rest import Api
from .selectors import selector_to_string
from .store import Obj

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def apply_patch(rt: ResourceType | None, current: Obj, body: Any, content_type: str) -> Obj:
    if content_type == MERGE:
        result = patching.merge_patch(current, body)
    elif content_type == JSON_PATCH:
        result = patching.json_patch(current, body)
    elif content_type == STRATEGIC and (rt is None or not rt.crd_name):
        schema = schemas.kind_schema(rt.api_version, rt.kind) if rt is not None else None
        result = patching.strategic_merge_patch(current, body, schema, schemas.nav)
    else:
        accepted = (
            [JSON_PATCH, MERGE, APPLY]
            if rt is not None and rt.crd_name
            else [JSON_PATCH, MERGE, APPLY, STRATEGIC]
        )
        if content_type == APPLY:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "server-side apply is not supported by the local API server; "
                "use a JSON merge, JSON or strategic merge patch",
                details={},
            )
        raise unsupported_media_type(content_type, accepted)
    if not isinstance(result, dict):
        raise bad_request("the patch did not produce an object")
    return result


def patch(
    api: Api,
    rt: ResourceType,
    namespace: str,
    name: str,
    raw: bytes,
    content_type: str,
    *,
    strict: bool = False,
    sub: str = "",
    dry_run: bool = False,
) -> tuple[Obj, list[str]]:
    content_type = content_type.split(";")[0].strip()
    if content_type == APPLY:
        apply_patch(rt, {}, {}, APPLY)
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise bad_request(f"error decoding patch: {exc}") from None
    pinned = isinstance(body, dict) and bool((body.get("metadata") or {}).get("resourceVersion"))
    for _ in range(10):
        current = api.get(rt, namespace, name)
        rv = current["metadata"]["resourceVersion"]
        result = apply_patch(rt, current, body, content_type)
        if not pinned or content_type == JSON_PATCH:
            result.setdefault("metadata", {}).setdefault("resourceVersion", rv)
        try:
            return api.update(rt, namespace, name, result, strict=strict, sub=sub, dry_run=dry_run)
        except ApiError as exc:
            if exc.reason != "Conflict" or pinned or result["metadata"].get("resourceVersion") != rv:
                raise
    raise conflict(rt.plural, rt.group, name)


def _owned_by(uid: str, obj: Obj) -> bool:
    return any(ref.get("uid") == uid for ref in obj.get("metadata", {}).get("ownerReferences") or [])


def delete(api: Api, rt: ResourceType, namespace: str, name: str, opts: dict[str, Any]) -> Obj:
    """DELETE with preconditions, propagationPolicy (Orphan/Background/Foreground) and graceful pods."""
    with api.store.lock:
        obj = api.get(rt, namespace, name)
        meta = obj["metadata"]
        pre = opts.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta["uid"]:
            raise ApiError(
                409,
                "Conflict",
                f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {meta['uid']}",
                details={"name": name, "kind": rt.plural},
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
            raise ApiError(
                409,
                "Conflict",
                f"Precondition failed: ResourceVersion in precondition: "
                f"{pre['resourceVersion']}, ResourceVersion in object meta: {meta['resourceVersion']}",
                details={"name": name, "kind": rt.plural},
            )
        if opts.get("dryRun"):
            return obj
        policy = opts.get("propagationPolicy")
        if policy is None and "orphanDependents" in opts:
            policy = "Orphan" if opts["orphanDependents"] else "Background"
        elif policy is None:  # batch/v1 Jobs still default to orphaning their pods, as on a real server
            policy = "Orphan" if rt.kind == "Job" else "Background"
        if policy == "Orphan":
            for key, dep in api.store.all_objects():
                if _owned_by(meta["uid"], dep):
                    refs = [r for r in dep["metadata"]["ownerReferences"] if r.get("uid") != meta["uid"]]
                    copy_ = json.loads(json.dumps(dep))
                    copy_["metadata"]["ownerReferences"] = refs
                    api.store.update(key, copy_)
        grace = opts.get("gracePeriodSeconds")
        if meta.get("deletionTimestamp"):
            return obj
        if (
            rt.kind == "Pod"
            and obj.get("spec", {}).get("nodeName")
            and grace != 0
            and obj.get("status", {}).get("phase") not in ("Succeeded", "Failed")
        ):
            if grace is None:
                grace = obj["spec"].get("terminationGracePeriodSeconds", 30)
            return api.mark_deleting(rt, obj, grace)
        if policy == "Foreground":
            fins = meta.setdefault("finalizers", [])
            if "foregroundDeletion" not in fins:
                fins.append("foregroundDeletion")
            return api.mark_deleting(rt, obj, 0)
        if meta.get("finalizers"):
            return api.mark_deleting(rt, obj, 0)
        if rt.kind == "Namespace":
            obj["status"] = {"phase": "Terminating"}
            return api.mark_deleting(rt, obj, 0)
        gone = api.render(rt, api.store.delete(rt.key, namespace, name))
    if rt.kind == "CustomResourceDefinition":
        api.crds.removed(gone)
    # Registries with ReturnDeletedObject (custom resources, pods, services) answer with the
    # object; the rest with a Success Status. The typed client decodes accordingly.
    if rt.crd_name or rt.kind in ("Pod", "Service"):
        return gone
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": rt.group, "kind": rt.plural, "uid": meta["uid"]},
    }


def delete_collection(
    api: Api, rt: ResourceType, namespace: str | None, params: dict[str, str], opts: dict[str, Any]
) -> Obj:
    listed = api.list(rt, namespace, params)
    for item in listed["items"]:
        m = item["metadata"]
        try:
            delete(api, rt, m.get("namespace", ""), m["name"], opts)
        except ApiError as exc:
            if exc.code != 404:
                raise
    return listed


def get_scale(api: Api, rt: ResourceType, namespace: str, name: str) -> Obj:
    obj = api.get(rt, namespace, name)
    m = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: m[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in m
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
        "status": {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": selector_to_string(obj.get("spec", {}).get("selector")),
        },
    }


def update_scale(api: Api, rt: ResourceType, namespace: str, name: str, scale: Obj) -> Obj:
    if not isinstance(scale, dict) or not isinstance((scale.get("spec") or {}).get("replicas", 0), int):
        raise bad_request('Scale in version "v1" cannot be handled as a Scale')
    replicas = int((scale.get("spec") or {}).get("replicas", 0))
    if replicas < 0:
        from .errors import invalid

        raise invalid(
            "Scale",
            "autoscaling",
            name,
            [
                (
                    "spec.replicas",
                    "FieldValueInvalid",
                    f"Invalid value: {replicas}: must be greater than or equal to 0",
                )
            ],
        )
    obj = api.get(rt, namespace, name)
    expect = (scale.get("metadata") or {}).get("resourceVersion")
    if expect and expect != obj["metadata"]["resourceVersion"]:
        raise conflict(rt.plural, rt.group, name)
    obj["spec"]["replicas"] = replicas
    api.update(rt, namespace, name, obj, internal=True)
    return get_scale(api, rt, namespace, name)


def patch_scale(api: Api, rt: ResourceType, namespace: str, name: str, raw: bytes, content_type: str) -> Obj:
    content_type = content_type.split(";")[0].strip()
    current = get_scale(api, rt, namespace, name)
    body = json.loads(raw or b"null")
    result = apply_patch(None, current, body, content_type)
    return update_scale(api, rt, namespace, name, result)
