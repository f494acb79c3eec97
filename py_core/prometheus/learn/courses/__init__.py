"""Bundled course files (JSON), read by prometheus.learn.course."""
