"""openCypher for `prometheus.graph`: lexer -> parser -> compiler -> row-pipeline executor."""
