"""Getting the model artifact's bytes: a file on CPython, the bundle (through the Cache API,
so a second visit does not download it again) inside the browser worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .artifact import ArtifactError

IN_PYODIDE = sys.platform == "emscripten"
CACHE_NAME = "prometheus-models"
ARTIFACT_FILE = "minilm-int8.bin"


def default_artifact_path() -> Path:
    """$PROMETHEUS_INFER_MODEL, else the build output dist/models/ of this checkout."""
    env = os.environ.get("PROMETHEUS_INFER_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "dist" / "models" / ARTIFACT_FILE


def global_scope():
    """The worker's real global object. Evaluated in JS each time: the `js` module can hold
    a stale global after the interpreter is restored from a snapshot (its methods then
    fail with "Illegal invocation"). Where the CSP forbids eval (extension pages), run_js
    cannot run; no snapshot is restored there (its Cache API refuses chrome-extension: URLs),
    so the `js` module is the current global."""
    from pyodide.code import run_js
    from pyodide.ffi import JsException

    try:
        return run_js("globalThis")
    except JsException:  # EvalError: the CSP has no 'unsafe-eval'
        import js

        return js


def bundle_url(name: str = ARTIFACT_FILE) -> str:
    """URL of a file in the bundle's models/ folder, seen from the worker."""
    import js

    scope = global_scope()
    base = getattr(scope, "PROMETHEUS_BASE", None)
    if not base:
        base = js.URL.new("..", scope.location.href).href
    return js.URL.new(f"models/{name}", base).href


def _init(options: dict):
    import js
    from pyodide.ffi import to_js

    return to_js(options, dict_converter=js.Object.fromEntries)


async def fetch_artifact(url: str | None = None, progress=lambda stage, fraction: None) -> tuple[bytes, dict]:
    """(artifact bytes, {"url", "bytes", "cached"}) - the manifest's sha256 keys the cache."""
    if not IN_PYODIDE:
        path = Path(url) if url else default_artifact_path()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArtifactError(f"cannot read model artifact {path}: {exc.strerror or exc}") from None
        return data, {"url": str(path), "bytes": len(data), "cached": False}

    import js

    scope = global_scope()
    url = url or bundle_url()
    manifest_url = url[: -len(".bin")] + ".json" if url.endswith(".bin") else None
    key = url
    if manifest_url:
        response = await scope.fetch(manifest_url, _init({"cache": "no-cache"}))
        if response.ok:
            manifest = (await response.json()).to_py()
            key = f"{url}?sha256={manifest.get('sha256', '')}"
    caches: Any = getattr(scope, "caches", None)  # a JS object
    # The Cache API takes http(s) only; an extension's own files need no cache anyway.
    cacheable = caches is not None and caches != js.undefined and url.startswith(("http:", "https:"))
    cache = await caches.open(CACHE_NAME) if cacheable else None
    cached = await cache.match(key) if cache is not None else None
    hit = cached is not None and cached is not js.undefined
    if hit:
        progress("model from cache", 0.1)
        response = cached
    else:
        progress("downloading model", 0.05)
        response = await scope.fetch(url)
        if not response.ok:
            raise ArtifactError(f"cannot download the model from {url}: HTTP {response.status}")
    buffer = await response.arrayBuffer()
    data = js.Uint8Array.new(buffer).to_bytes()
    if cache is not None and not hit:
        await cache.put(key, js.Response.new(buffer))
    return data, {"url": url, "bytes": len(data), "cached": hit}


async def drop_cached_artifacts() -> None:
    """Forget cached models (after one turned out corrupted)."""
    if IN_PYODIDE:
        await global_scope().caches.delete(CACHE_NAME)
