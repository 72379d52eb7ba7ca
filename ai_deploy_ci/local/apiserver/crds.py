"""CustomResourceDefinitions: registering served versions as resources, and loading CRD files.

Installing a CRD makes its kinds routable, discoverable and validated against `openAPIV3Schema`;
deleting it removes the kinds and their objects, so a request for a kind whose CRD is absent is 404.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .clock import Clock
from .errors import invalid
from .resources import Registry, ResourceType
from .store import Obj, Store


class Api(Protocol):
    """The verbs CrdManager uses (rest.Api; a Protocol so crds and rest do not import each other)."""

    store: Store
    registry: Registry
    clock: Clock

    def create(
        self,
        rt: ResourceType,
        namespace: str,
        body: Obj,
        *,
        strict: bool = False,
        internal: bool = False,
        dry_run: bool = False,
    ) -> tuple[Obj, list[str]]: ...

    def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: Obj,
        *,
        strict: bool = False,
        sub: str = "",
        internal: bool = False,
        dry_run: bool = False,
    ) -> tuple[Obj, list[str]]: ...


# Where bundles are looked for, first match wins: $AI_DEPLOY_CI_CRD_DIR, package data (needs the
# integrator to ship them as ai_deploy_ci/data/crds), then the repository's vendored copies.
CRD_DIRS = (
    Path(os.environ.get("AI_DEPLOY_CI_CRD_DIR", "/nonexistent")),
    Path(__file__).resolve().parents[2] / "data" / "crds",
    Path(__file__).resolve().parents[3] / "tests" / "data" / "crds",
)
BUNDLES = {
    "gateway-api": "gateway-api-httproute-v1.6.1-standard.yaml",
    "gateway-api-experimental": "gateway-api-httproute-v1.6.1-experimental.yaml",
    "istio": "istio-networking-1.30.3.yaml",
}


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Kubernetes version ordering: GA > beta > alpha, higher numbers first (sort ascending on this)."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    major, stage, minor = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[stage], -major, -minor, "")


class CrdManager:
    """Keeps the registry in step with the stored CRDs."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def check(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        name = crd.get("metadata", {}).get("name", "")
        causes = []
        if name != f"{names.get('plural')}.{spec.get('group')}":
            causes.append(
                (
                    "metadata.name",
                    "FieldValueInvalid",
                    f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                )
            )
        storage = [v for v in spec.get("versions") or [] if v.get("storage")]
        if len(storage) != 1:
            causes.append(
                (
                    "spec.versions",
                    "FieldValueInvalid",
                    "Invalid value: must have exactly one version marked as storage version",
                )
            )
        if causes:
            raise invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes)

    def established(self, crd: dict[str, Any]) -> None:
        """Register served versions and mark the CRD Established (as the apiextensions controller does)."""
        spec = crd["spec"]
        name = crd["metadata"]["name"]
        names = spec["names"]
        self.api.registry.remove_crd(name)
        served = sorted(
            (v for v in spec.get("versions", []) if v.get("served", True)),
            key=lambda v: version_priority(v["name"]),
        )
        for v in served:
            subs = tuple(k for k in (v.get("subresources") or {}) if k in ("status", "scale"))
            self.api.registry.add(
                ResourceType(
                    spec["group"],
                    v["name"],
                    names["kind"],
                    names["plural"],
                    spec.get("scope") == "Namespaced",
                    subs,
                    tuple(names.get("shortNames") or ()),
                    categories=tuple(names.get("categories") or ()),
                    crd_schema=(v.get("schema") or {}).get("openAPIV3Schema"),
                    crd_name=name,
                )
            )
        if crd.get("status", {}).get("acceptedNames") == names:
            return
        now = self.api.clock.stamp()
        status = {
            "acceptedNames": copy.deepcopy(names),
            "storedVersions": [v["name"] for v in spec.get("versions", []) if v.get("storage")],
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                    "lastTransitionTime": now,
                },
                {
                    "type": "Established",
                    "status": "True",
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                    "lastTransitionTime": now,
                },
            ],
        }
        with self.api.store.lock:
            current = self.api.store.get(("apiextensions.k8s.io", "customresourcedefinitions"), "", name)
            if current is not None:
                current["status"] = status
                self.api.store.update(("apiextensions.k8s.io", "customresourcedefinitions"), current)

    def removed(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        self.api.registry.remove_crd(crd["metadata"]["name"])
        key = (spec.get("group", ""), spec.get("names", {}).get("plural", ""))
        for obj in self.api.store.list(key):
            meta = obj["metadata"]
            with contextlib.suppress(LookupError):
                self.api.store.delete(key, meta.get("namespace", ""), meta["name"])

    def install(self, sources: Iterable[str | os.PathLike[str] | dict[str, Any]]) -> list[str]:
        """Create (or replace) CRDs from bundle names, files, or dicts; returns the CRD names."""
        rt = self.api.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert rt is not None
        installed = []
        for crd in (c for s in sources for c in load_crds(s)):
            name = crd["metadata"]["name"]
            current = self.api.store.get(rt.key, "", name)
            if current is None:
                self.api.create(rt, "", crd, internal=True)
            else:
                crd = {
                    **crd,
                    "metadata": {
                        **crd["metadata"],
                        "resourceVersion": current["metadata"]["resourceVersion"],
                    },
                }
                self.api.update(rt, "", name, crd, internal=True)
            installed.append(name)
        return installed


def load_crds(source: str | os.PathLike[str] | dict[str, Any]) -> list[dict[str, Any]]:
    """CRD documents from a dict, a bundle name (`gateway-api`, `istio`, …) or a YAML file; parsed YAML is
    cached as JSON beside the temp dir because the vendored bundles take seconds to parse."""
    if isinstance(source, dict):
        return [source]
    if str(source) in BUNDLES:
        name = BUNDLES[str(source)]
        path = next((d / name for d in CRD_DIRS if (d / name).exists()), CRD_DIRS[-1] / name)
    else:
        path = Path(source)
    text = path.read_bytes()
    digest = hashlib.sha256(text).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"ai-deploy-ci-crd-{digest}.json"
    if cache.exists():
        try:
            docs: list[dict[str, Any]] = json.loads(cache.read_text())
            return docs
        except ValueError:
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [
        d
        for d in yaml.load_all(text, Loader=loader)
        if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"
    ]
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(docs))
    tmp.replace(cache)
    return docs
