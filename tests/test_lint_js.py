"""The JavaScript linters, as tests: Biome over web/ and worker/, and TypeScript's checker over the
same scripts (each says `// @ts-check`), one project per environment they run in.

The tools are pinned in tests/typescript/package.json and package-lock.json and installed with
`npm ci` on first use (tests/typescript/npm_tools.py). Biome's rules are in biome.jsonc; the
checker's projects and the .d.ts files of the globals the scripts share are in
tests/typescript/checkjs/. Each test prints the tool's own report when it fails, and its time when
run with `-s`.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.typescript.npm_tools import node_modules

ROOT = Path(__file__).resolve().parents[1]
CHECKJS = ROOT / "tests" / "typescript" / "checkjs"
PROJECTS = sorted(path.stem for path in CHECKJS.glob("*.json") if path.stem != "base")
SKIPPED_DIRS = {"node_modules", "dist", "vendor"}

pytestmark = pytest.mark.cpython_only("runs command-line tools (node)")


def our_scripts() -> list[Path]:
    """Every JavaScript file we wrote in web/ and worker/ (vendored and installed code left out)."""
    found = []
    for folder in ("web", "worker"):
        for pattern in ("*.js", "*.mjs"):
            found += [path for path in (ROOT / folder).rglob(pattern) if not SKIPPED_DIRS & set(path.parts)]
    return sorted(found)


def run(what: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    kwargs.setdefault("cwd", ROOT)
    done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    print(f"{what}: {time.perf_counter() - started:.1f} s")
    return done


def biome(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    tool = node_modules() / "@biomejs" / "biome" / "bin" / "biome"
    return run(f"biome {' '.join(args)}", ["node", str(tool), *args], cwd=cwd)


@functools.cache
def tsc(project: str) -> tuple[subprocess.CompletedProcess, frozenset[Path]]:
    """tsc --noEmit over one project: the outcome and the files its program held."""
    compiler = node_modules() / "typescript" / "bin" / "tsc"
    config = CHECKJS / f"{project}.json"
    done = run(
        f"tsc -p {config.name}",
        ["node", str(compiler), "-p", str(config), "--pretty", "false", "--listFiles"],
    )
    files = frozenset(Path(line).resolve() for line in done.stdout.splitlines() if line.startswith("/"))
    return done, files


def errors_of(done: subprocess.CompletedProcess) -> str:
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("/"))


def test_biome_finds_nothing():
    done = biome("lint", "--error-on-warnings", "--max-diagnostics=none", "web", "worker")
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Found " not in report, report  # not even an info
    checked = re.search(r"Checked (\d+) files?", report)
    assert checked and int(checked.group(1)) == len(our_scripts()), report


def test_biome_reports_seeded_defects(tmp_path):
    """The rules in force catch defects: our biome.jsonc over a copy of the tree holding one script."""
    shutil.copy(ROOT / "biome.jsonc", tmp_path / "biome.jsonc")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "seeded.js").write_text(
        '// @ts-check\n"use strict";\nlet total = 0;\nif (total = 1) total++;\nconsole.log({ a: total, a: 2 });\n'
    )
    done = biome("lint", "--max-diagnostics=none", "web", cwd=tmp_path)
    report = done.stdout + done.stderr
    assert done.returncode != 0, report
    for rule in ("noAssignInExpressions", "noDuplicateObjectKeys"):
        assert "web/seeded.js:" in report and f"lint/suspicious/{rule}" in report, report
    assert "noRedundantUseStrict" not in report, report  # "use strict" is needed in a classic script


@pytest.mark.parametrize("project", PROJECTS)
def test_the_type_checker_finds_nothing(project):
    done, _ = tsc(project)
    assert done.returncode == 0, errors_of(done)


def test_every_script_says_ts_check_and_is_in_a_project():
    scripts = our_scripts()
    assert len(scripts) > 20, scripts
    unmarked = [
        str(path.relative_to(ROOT)) for path in scripts if not path.read_text().startswith("// @ts-check\n")
    ]
    assert not unmarked, f"these scripts do not start with // @ts-check: {unmarked}"
    checked = frozenset().union(*(tsc(project)[1] for project in PROJECTS))
    unchecked = [str(path.relative_to(ROOT)) for path in scripts if path.resolve() not in checked]
    assert not unchecked, f"no project of tests/typescript/checkjs type-checks {unchecked}"


def test_the_type_checker_reports_seeded_mistakes(tmp_path):
    """The declared globals have teeth: wrong calls into Pyodide and the store bridge are errors."""
    seeded = tmp_path / "seeded.js"
    seeded.write_text(
        '// @ts-check\n"use strict";\n'
        "loadPyodide({ indexUrl: '/pyodide/' });\n"  # a misspelt option: indexURL is required
        "PrometheusStore.open('x', { durability: 'sometimes' });\n"  # not an IDB durability
        "loadPyodideFast({ indexURL: '/' }, null).then(({ pyodide }) => pyodide.loadPackages(['numpy']));\n"
    )
    config = tmp_path / "tsconfig.json"
    config.write_text(
        '{"extends": "%s", "files": ["%s", "%s", "%s", "%s"]}'
        % (
            CHECKJS / "worker.json",
            CHECKJS / "globals" / "pyodide.d.ts",
            CHECKJS / "globals" / "engine-worker.d.ts",
            ROOT / "worker" / "snapshot.js",
            seeded,
        )
    )
    compiler = node_modules() / "typescript" / "bin" / "tsc"
    done = run("tsc (seeded mistakes)", ["node", str(compiler), "-p", str(config), "--pretty", "false"])
    lines = {int(m.group(1)) for m in re.finditer(r"seeded\.js\((\d+),\d+\): error TS\d+", done.stdout)}
    assert lines == {3, 4, 5}, done.stdout
