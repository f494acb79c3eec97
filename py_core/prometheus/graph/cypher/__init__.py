"""openCypher for `prometheus.graph`: lexer -> parser -> compiler -> row-pipeline executor.

Importing this package installs the engine behind `Graph.run` (store.install_query_engine):
the query layer depends on the storage layer, never the other way round.
"""

from ..store import install_query_engine
from .runner import run_query

install_query_engine(run_query)
