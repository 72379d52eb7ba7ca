"""`demo --file X.yaml`: any deploy.yaml (every example) made runnable on the local environment.

The local overlay (`ai_deploy_ci.local.overlay`) swaps in the sample model server; this writes
the result and the files it names (payloads, a locustfile, the user's manifest — overlaid too)
into one directory, so paths relative to the deploy.yaml still resolve, and returns the new
deploy.yaml and the overlaid manifest (None without `server.manifest`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ai_deploy_ci.errors import InputError


def localize(source: Path, into: Path) -> tuple[Path, dict[str, Any] | None]:
    from ai_deploy_ci.local.overlay import local_manifest, local_overlay, referenced_files

    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {source}: {exc}", fix="pass a readable deploy.yaml") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{source} is not a deploy.yaml mapping", fix="see examples/*.yaml")
    doc = local_overlay(doc, max_replicas=4)  # 4: the replicas router's 25 % steps stay exact
    into.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] | None = None
    for relative in referenced_files(doc):
        original = source.parent / relative
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = original.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{source} names {relative}, which cannot be read: {exc}",
                             fix="run from the deploy.yaml's repository") from exc
        if relative == (doc.get("server") or {}).get("manifest"):
            docs = [d for d in yaml.safe_load_all(text) if d]
            deployment = next((d for d in docs if d.get("kind") == "Deployment"), None)
            if deployment is not None:
                manifest = local_manifest(deployment, doc, max_replicas=4)
                manifest.setdefault("metadata", {})["namespace"] = doc["metadata"]["namespace"]
                text = yaml.safe_dump(manifest, sort_keys=False)
        target.write_text(text, encoding="utf-8")
    path = into / "deploy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path, manifest
