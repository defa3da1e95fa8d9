"""Logs, metrics and traces (graph/observability/)."""
