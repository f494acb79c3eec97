"""Build step: the app's one third-party script, DOMPurify, copied from npm into dist/app/vendor/.

Why DOMPurify: card fields imported from Anki decks are HTML written by strangers and can carry
scripts, event-handler attributes and `javascript:` links. The learner's app shows bold, lists
and images from those fields, so plain text is not enough and a hand-written filter would miss
the parser quirks (mutation XSS, namespace confusion) that DOMPurify is maintained against
(Cure53, audited, used by browsers' own tooling). It is pinned exactly in build/package.json
and build/package-lock.json (with its integrity hash), installed by `npm ci` and served from
the bundle, so the app fetches nothing at run time (CSP- and offline-safe).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

DOMPURIFY_VERSION = "3.5.0"
FILES = {"dist/purify.min.js": "purify.min.js", "LICENSE": "DOMPurify-LICENSE.txt"}


def dompurify_dir(build_dir: Path, log) -> Path:
    """node_modules/dompurify at the pinned version, installed with `npm ci` when missing."""
    package = build_dir / "node_modules" / "dompurify"
    manifest = package / "package.json"
    if not manifest.exists() or json.loads(manifest.read_text())["version"] != DOMPURIFY_VERSION:
        if shutil.which("npm") is None:
            raise RuntimeError(f"npm is needed to fetch dompurify@{DOMPURIFY_VERSION} but is not on PATH")
        log(f"npm ci (dompurify@{DOMPURIFY_VERSION})")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=build_dir, check=True, stdout=subprocess.DEVNULL
        )
    return package


def vendor_js(build_dir: Path, dist: Path, install, log) -> None:
    """Copies DOMPurify into dist/app/vendor/ with `install(source, target)` (copy if changed)."""
    package = dompurify_dir(build_dir, log)
    for source, name in FILES.items():
        install(package / source, dist / "app" / "vendor" / name)
