"""Local stand-ins for the few third-party actions our actions and examples use.

They implement the contract our workflows rely on, not the services behind them:
- `actions/cache` (and `/restore`, `/save`): a directory per key under the runner's cache dir;
  exact `key` hit or newest `restore-keys` prefix match; saved in a post step on success only.
- `actions/upload-artifact` / `download-artifact`: a directory per artifact name (v4 rules:
  a name is immutable unless `overwrite: true`; no files → warn/error/ignore).
- `actions/setup-python`: no-op; reports the interpreter the runner itself uses.
- `actions/checkout`: no-op when the workspace already holds the repository (the tests prepare
  it); with `path:` copies the workspace's `checkout_source` there.
Anything else is an `ActionRunnerError` naming the action.
"""

from __future__ import annotations

import glob
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from tests.support.action_runner.results import ActionRunnerError


@dataclass
class BuiltinContext:
    workspace: Path
    cache_dir: Path | None  # None: the cache service is unavailable (always a miss, never saved)
    artifact_dir: Path
    checkout_source: Path | None
    add_post: Callable[[str, Callable[[], object]], None]
    warn: Callable[[str], None]
    log: Callable[[str], object]


Builtin = Callable[[BuiltinContext, dict[str, str]], dict[str, str]]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def _expand(path: str, workspace: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else workspace / p


def _cache_restore(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    key, paths = w.get("key", ""), _lines(w.get("path", ""))
    if not key or not paths:
        raise ActionRunnerError("actions/cache needs `key` and `path`")
    if ctx.cache_dir is None:
        ctx.log("Cache service unavailable (local runner: cache disabled); continuing without it")
        return {"cache-hit": "false", "cache-primary-key": key, "cache-matched-key": ""}
    entries = []
    for meta in ctx.cache_dir.glob("*/meta.json"):
        entries.append(json.loads(meta.read_text()) | {"dir": str(meta.parent)})
    exact = [e for e in entries if e["key"] == key]
    hit = exact[0] if exact else None
    if hit is None:
        for prefix in _lines(w.get("restore-keys", "")):
            matches = sorted((e for e in entries if e["key"].startswith(prefix)), key=lambda e: -e["created"])
            if matches:
                hit = matches[0]
                break
    if hit is not None:
        for i, path in enumerate(hit["paths"]):
            src, dst = Path(hit["dir"]) / str(i), _expand(path, ctx.workspace)
            if src.exists():
                shutil.copytree(src, dst, dirs_exist_ok=True, symlinks=True)
        ctx.log(f"Cache restored from key: {hit['key']}")
    else:
        ctx.log(f"Cache not found for input keys: {key}")
    matched = hit["key"] if hit else ""
    return {"cache-hit": "true" if exact else "false", "cache-primary-key": key, "cache-matched-key": matched}


def _cache_save(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    key, paths = w.get("key", ""), _lines(w.get("path", ""))
    if ctx.cache_dir is None:
        return {}
    target = ctx.cache_dir / sha256(key.encode()).hexdigest()[:32]
    if (target / "meta.json").exists():
        ctx.log(f"Cache already exists for key {key}; not saving (caches are immutable)")
        return {}
    for i, path in enumerate(paths):
        src = _expand(path, ctx.workspace)
        if src.is_dir():
            shutil.copytree(src, target / str(i), symlinks=True)
    target.mkdir(parents=True, exist_ok=True)
    (target / "meta.json").write_text(json.dumps({"key": key, "paths": paths, "created": time.time()}))
    ctx.log(f"Cache saved with key: {key}")
    return {}


def _cache(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    out = _cache_restore(ctx, w)
    if out["cache-hit"] != "true" and ctx.cache_dir is not None:
        ctx.add_post("success", lambda: _cache_save(ctx, w))
    return out


def _upload(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    name = w.get("name") or "artifact"
    files: list[Path] = []
    for pattern in _lines(w.get("path", "")):
        matched = [Path(p) for p in glob.glob(str(_expand(pattern, ctx.workspace)), recursive=True)]
        for p in matched:
            files += [f for f in p.rglob("*") if f.is_file()] if p.is_dir() else [p]
    if not files:
        mode = w.get("if-no-files-found", "warn")
        if mode == "error":
            raise ActionRunnerError(f"upload-artifact {name}: no files were found with the provided path")
        if mode == "warn":
            ctx.warn(f"No files were found with the provided path: {w.get('path', '')}. "
                     "No artifacts will be uploaded.")
        return {}
    target = ctx.artifact_dir / name
    if target.exists():
        if w.get("overwrite", "false") != "true":
            raise ActionRunnerError(f"an artifact named {name!r} already exists (v4 artifacts are immutable)")
        shutil.rmtree(target)
    root = Path(_common_root(files))
    for f in files:
        dest = target / f.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    return {"artifact-id": sha256(name.encode()).hexdigest()[:8], "artifact-url": f"file://{target}"}


def _common_root(files: list[Path]) -> str:
    import os.path

    parents = [str(f.parent) for f in files]
    return os.path.commonpath(parents) if parents else "/"


def _download(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    dest = _expand(w.get("path") or ".", ctx.workspace)
    name, pattern = w.get("name", ""), w.get("pattern", "")
    if name:
        src = ctx.artifact_dir / name
        if not src.is_dir():
            raise ActionRunnerError(f"artifact {name!r} not found")
        shutil.copytree(src, dest, dirs_exist_ok=True)
    else:
        merge = w.get("merge-multiple", "false") == "true"
        for src in sorted(ctx.artifact_dir.glob(pattern or "*")):
            shutil.copytree(src, dest if merge else dest / src.name, dirs_exist_ok=True)
    return {"download-path": str(dest)}


def _setup_python(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    version = ".".join(map(str, sys.version_info[:3]))
    ctx.log(f"setup-python (local stand-in): using {sys.executable} ({version}); "
            f"wanted {w.get('python-version')}")
    return {"python-version": version, "python-path": sys.executable, "cache-hit": "false"}


def _checkout(ctx: BuiltinContext, w: dict[str, str]) -> dict[str, str]:
    if w.get("path") and ctx.checkout_source is not None:
        shutil.copytree(ctx.checkout_source, ctx.workspace / w["path"], dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__"))
    return {}


BUILTINS: dict[str, Builtin] = {
    "actions/cache": _cache,
    "actions/cache/restore": _cache_restore,
    "actions/cache/save": _cache_save,
    "actions/upload-artifact": _upload,
    "actions/download-artifact": _download,
    "actions/setup-python": _setup_python,
    "actions/checkout": _checkout,
}


def builtin_for(uses: str) -> Builtin | None:
    return BUILTINS.get(uses.split("@", 1)[0].lower())

