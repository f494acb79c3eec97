"""Compiles a parsed query into a pipeline of clause operators over lists of row dicts.

Each operator is `op(rows, ctx) -> rows`; clauses run eagerly one after the other, which
gives writes Cypher's clause-at-a-time visibility and lets the whole query run inside one
store transaction. `compiler.QueryCompiler` drives the compilation; each family of clauses
compiles in a module of its own (reading, projection, updating, call), as a mixin of it.
"""
