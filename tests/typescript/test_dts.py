"""A TypeScript page type-checks against web/prometheus.d.ts, and mistakes in params do not.

The compiler is the pinned npm `typescript` of this folder (package-lock.json), installed with
`npm ci` on first use (npm_tools.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.typescript.npm_tools import node_modules

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ERROR = re.compile(
    r"^(?P<file>[^(]+)\((?P<line>\d+),(?P<column>\d+)\): error (?P<code>TS\d+): (?P<message>.*)$"
)

pytestmark = pytest.mark.cpython_only(reason="runs the TypeScript compiler (node)")


@pytest.fixture(scope="module")
def tsc() -> Path:
    return node_modules() / "typescript" / "bin" / "tsc"


def compile_page(tsc: Path, page: str, tmp_path: Path) -> tuple[int, list[dict], list[str]]:
    """tsc --noEmit over one page beside a copy of the .d.ts: (exit code, errors, the page's lines)."""
    shutil.copy(ROOT / "web" / "prometheus.d.ts", tmp_path / "prometheus.d.ts")
    shutil.copy(HERE / "tsconfig.json", tmp_path / "tsconfig.json")
    shutil.copy(HERE / page, tmp_path / page)
    done = subprocess.run(
        ["node", str(tsc), "--noEmit", "--pretty", "false", "-p", str(tmp_path / "tsconfig.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    errors: list[dict] = []
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            errors.append(match.groupdict())
        elif errors and line.startswith(" "):  # the chained explanation of the error above
            errors[-1]["message"] += " " + line.strip()
    return done.returncode, errors, (tmp_path / page).read_text().splitlines()


def test_a_page_with_correct_calls_type_checks(tsc, tmp_path):
    code, errors, _ = compile_page(tsc, "page_ok.ts", tmp_path)
    assert (code, errors) == (0, [])


def test_each_mistake_is_refused_at_the_param_it_names(tsc, tmp_path):
    code, errors, lines = compile_page(tsc, "page_bad.ts", tmp_path)
    assert code != 0
    first = lines.index("  // MISTAKES") + 2  # 1-based number of the first mistake's line
    expected = {
        first + i: line.rsplit("// ", 1)[1] for i, line in enumerate(lines[first - 1 :]) if "// " in line
    }
    assert len(expected) >= 8
    by_line: dict[int, list[dict]] = {}
    for error in errors:
        by_line.setdefault(int(error["line"]), []).append(error)
    assert sorted(by_line) == sorted(expected), errors  # every mistake refused, nothing else
    for number, name in expected.items():
        text = lines[number - 1]
        named = [
            e
            for e in by_line[number]
            if text[int(e["column"]) - 1 :].lstrip('"').startswith(name) or f"'{name}'" in e["message"]
        ]
        assert named, (number, name, by_line[number])
