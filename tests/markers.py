"""The suite's markers, so a part of it runs alone: `pytest -m "not slow"` is the quick loop.

Declared here and checked with --strict-markers (pyproject.toml). Most are
given by where a test lives or what it needs, not written on each test:
- `faults`: tests/faults/ (databases and servers killed under load);
- `bench`: tests/bench/ (the benchmark harness);
- `probes`: tests/probes/ (fuzzing and malformed traffic);
- `browser`, `pgbouncer`, `cluster`: a test that needs Chromium, PgBouncer or
  initdb (tests/prerequisites.py);
- `slow`: all of the above, and modules that start servers or processes and
  say so with `pytestmark = pytest.mark.slow`.
"""

from pathlib import Path

import pytest

MARKERS = {
    "slow": "starts servers, processes or clusters, or runs for seconds; deselect with -m 'not slow'",
    "faults": "kills or restarts databases and servers under load (tests/faults/)",
    "bench": "runs the benchmark harness (tests/bench/)",
    "probes": "fuzzing, injection and malformed traffic (tests/probes/)",
    "browser": "drives a headless Chromium",
    "pgbouncer": "goes through PgBouncer",
    "cluster": "starts a PostgreSQL cluster of its own",
}
BY_FOLDER = {"faults": ("faults", "slow"), "bench": ("bench", "slow"), "probes": ("probes", "slow")}
BY_NEED = {"chromium": "browser", "pgbouncer": "pgbouncer", "initdb": "cluster"}
TESTS = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        folder = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
        names = set(BY_FOLDER.get(folder, ()))
        for marker in item.iter_markers("needs"):
            names |= {BY_NEED[need] for need in marker.args if need in BY_NEED}
        if names & {"browser", "pgbouncer", "cluster"}:
            names.add("slow")
        for name in sorted(names):
            item.add_marker(name)
