"""Prometheus Web: a learning engine whose core runs the same on CPython and in Pyodide.

Engines live in subpackages (`srs`, `graph`, `quantum`, `infer`) and are imported on
demand, so that importing `prometheus` stays cheap inside the browser worker.
"""

__version__ = "0.1.0"
