"""Benchmark: our service against PostGraphile v5 and a plain ceiling endpoint (`python -m bench`)."""
