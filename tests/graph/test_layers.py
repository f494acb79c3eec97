"""The graph engine's layers: storage and temporal import nothing from the query layer (cypher/).

Two oracles. Statically, every import statement of those modules, deferred ones included,
resolves outside `prometheus.graph.cypher`. Dynamically, importing each of them in a fresh
interpreter leaves no `prometheus.graph.cypher` module loaded, which also covers what the
package `__init__` files and the modules they import pull in.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import prometheus.graph

# The installed sources (py_core/ here, the bundle's wheel in the Pyodide lane); importing the
# package loads no query module, and the fresh interpreters below start without this one's imports.
GRAPH = Path(prometheus.graph.__file__).resolve().parent
SOURCES = GRAPH.parents[1]
QUERY = "prometheus.graph.cypher"
# The RPC door serves queries, so it imports both layers. The package's `Graph` loads the query
# layer on first use (a deferred import, so importing the package itself does not: checked below).
ABOVE_BOTH = {"prometheus.graph.rpc"}
FACADE = "prometheus.graph"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCES).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _below_query_layer() -> list[Path]:
    """Every module of prometheus.graph outside cypher/ except the RPC door: the storage modules,
    the procedures, and the temporal package."""
    return sorted(
        p
        for p in GRAPH.rglob("*.py")
        if "cypher" not in p.relative_to(GRAPH).parts and _module_name(p) not in ABOVE_BOTH
    )


MODULES = _below_query_layer()


def _imports(path: Path) -> set[str]:
    """Absolute names of every module `path` imports, at top level or deferred in a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from . import cypher`
    return found


def test_the_layer_lists_are_real():
    names = {_module_name(p) for p in MODULES}
    assert {"prometheus.graph.store", "prometheus.graph.snapshot", "prometheus.graph.persist"} <= names
    assert {"prometheus.graph.columns", "prometheus.graph.csv_columns", "prometheus.graph.entities"} <= names
    assert {"prometheus.graph.temporal", "prometheus.graph.temporal.codec"} <= names
    assert not any(n.startswith(QUERY) for n in names)


def test_the_static_check_sees_query_imports():
    """The oracle itself: the RPC door and the query layer's own modules do import cypher."""
    assert any(n.startswith(QUERY) for n in _imports(GRAPH / "rpc.py"))
    assert any(n.startswith(QUERY) for n in _imports(GRAPH / "cypher" / "expressions.py"))
    assert QUERY in _imports(GRAPH / "__init__.py")  # deferred, inside the package's __getattr__


@pytest.mark.parametrize("path", [p for p in MODULES if _module_name(p) != FACADE], ids=_module_name)
def test_no_import_statement_reaches_the_query_layer(path):
    bad = sorted(n for n in _imports(path) if n == QUERY or n.startswith(QUERY + "."))
    assert not bad, f"{_module_name(path)} imports the query layer: {bad}"


@pytest.mark.parametrize("path", [p for p in MODULES if "temporal" in p.parts], ids=_module_name)
def test_temporal_imports_only_itself_and_the_error_types(path):
    graph_imports = {n for n in _imports(path) if n.startswith("prometheus.")}
    allowed = ("prometheus.graph.temporal", "prometheus.graph.errors")
    bad = sorted(n for n in graph_imports if not n.startswith(allowed))
    assert not bad, f"{_module_name(path)} imports outside temporal/: {bad}"


def _fresh_python(code: str) -> str:
    """What `code` prints in a fresh interpreter that sees only the package's sources."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SOURCES), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _loaded_after_import(module: str) -> list[str]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('prometheus'))))\n"
    )
    return json.loads(_fresh_python(code))


@pytest.mark.cpython_only(reason="starts a fresh interpreter per module with subprocess")
@pytest.mark.parametrize("path", MODULES, ids=_module_name)
def test_importing_leaves_the_query_layer_unloaded(path):
    loaded = _loaded_after_import(_module_name(path))
    assert _module_name(path) in loaded
    assert not [m for m in loaded if m.startswith(QUERY)], f"{_module_name(path)} loaded {loaded}"


@pytest.mark.cpython_only(reason="starts a fresh interpreter with subprocess")
def test_graph_from_the_package_runs_queries_and_the_bare_store_says_what_is_missing():
    assert any(m.startswith(QUERY) for m in _loaded_after_import("prometheus.graph.rpc"))
    code = (
        "import sys\n"
        "from prometheus.graph.store import Graph, GraphStoreError\n"
        "try:\n"
        "    Graph().run('RETURN 1')\n"
        "except GraphStoreError as exc:\n"
        "    print('bare:', exc)\n"
        "from prometheus.graph import Graph as Full\n"
        "assert Full is Graph\n"
        "print('full:', list(Graph().run('RETURN 1 + 1 AS n')))\n"
    )
    bare, full = _fresh_python(code).strip().splitlines()
    assert bare.startswith("bare: Graph.run needs the query layer: import Graph from prometheus.graph")
    assert full == "full: [(2,)]"
