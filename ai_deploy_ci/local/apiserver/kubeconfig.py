"""Writing a kubeconfig that the official client and kubectl both accept (http, bearer token)."""

from __future__ import annotations

from pathlib import Path

import yaml


def kubeconfig(url: str, token: str | None, context: str = "ai-deploy-ci-local") -> dict[str, object]:
    user: dict[str, object] = {"token": token} if token else {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": context, "user": user}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": context, "namespace": "default"}}
        ],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: Path, url: str, token: str | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(kubeconfig(url, token), sort_keys=False))
    path.chmod(0o600)
    return path
