"""The npm tools the tests run (TypeScript's compiler, Biome), pinned in this folder's package.json
and package-lock.json and installed with `npm ci` on first use, the way build/ installs its npm
packages. A machine whose node_modules holds other versions (an older lock) is reinstalled."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"


def _pins() -> dict[str, str]:
    return json.loads((HERE / "package.json").read_text(encoding="utf-8"))["devDependencies"]


def _installed_version(name: str) -> str | None:
    manifest = NODE_MODULES / name / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.is_file() else None


def node_modules() -> Path:
    """This folder's node_modules with every pinned package at its pinned version (npm ci if not)."""
    if any(_installed_version(name) != version for name, version in _pins().items()):
        if shutil.which("npm") is None:
            pytest.fail(f"npm is needed to install the pinned tools of {HERE} (package-lock.json)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, stdout=subprocess.DEVNULL
        )
    return NODE_MODULES
