"""The command line: start, serve, seed, export (graph/cli/, graph/__main__.py)."""
