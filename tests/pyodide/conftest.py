"""The Pyodide lane: pytest-pyodide's browser (selenium + Debian's chromium and chromedriver)
serving dist-lane/ (tests/pyodide/lane.py), and the summary it prints.

pyproject.toml passes `--runtime=chrome --dist-dir=dist-lane` to pytest-pyodide.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM
from tests.pyodide.lane import LANE, SUMMARY


def pytest_configure(config):
    from pytest_pyodide import get_global_config

    get_global_config().set_flags(
        "chrome",
        [
            "--js-flags=--expose-gc",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


@pytest.fixture(scope="session")
def lane(request):
    """dist-lane/ built and the oracle answers recorded (both skipped when already current)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; run the README's test command, which installs it"
        )
    if Path(request.config.option.dist_dir).resolve() != LANE:
        pytest.fail(
            f"the Pyodide lane serves {LANE}; pytest-pyodide got --dist-dir={request.config.option.dist_dir}"
        )
    from tests.pyodide.lane import build_lane
    from tests.pyodide.record import SUITES, ensure

    # Record only when a selected test runs a suite that replays oracle answers.
    if any(suite.split("/")[-1] in item.nodeid for item in request.session.items for suite in SUITES):
        ensure()
    return build_lane()


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.section("Pyodide lane (engine suites inside Pyodide in headless Chromium)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
