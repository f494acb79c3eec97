"""The build scripts (build/*.py) are importable by name in every test (`import model_artifact`).

build/ holds scripts, not a package, and build/build.py would shadow a package named `build`,
so tests import its modules as top-level names, one way for all."""

import sys
from pathlib import Path

BUILD_DIR = Path(__file__).resolve().parents[1] / "build"
if str(BUILD_DIR) not in sys.path:
    sys.path.insert(0, str(BUILD_DIR))
