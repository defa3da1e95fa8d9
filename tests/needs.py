"""The `needs` marker: `@pytest.mark.needs("pgbouncer")` on a test or as a module's `pytestmark`.

A test whose prerequisite (tests/prerequisites.py) is missing is skipped with
how to get it, and counted: the run ends with one line per prerequisite,
"not run: 3 tests need pgbouncer — apt-get install pgbouncer", also appended
to the file $NOT_RUN_REPORT names (scripts/test prints it again at its very
end). Under CI=true nothing may be left out: such a test fails instead.

`--write-needs FILE` writes the names the collected tests need, one a line,
so scripts/test installs only those for a targeted run.
"""

import os
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tests.prerequisites import PREREQUISITES, Prerequisite, in_ci

NOT_RUN = pytest.StashKey[Counter]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--write-needs", metavar="FILE", help="write the prerequisites the collected tests need")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*names): runs only where tests/prerequisites.py finds each name")
    config.stash[NOT_RUN] = Counter()


def needed_by(item: pytest.Item) -> list[Prerequisite]:
    names = [name for marker in item.iter_markers("needs") for name in marker.args]
    unknown = [name for name in names if name not in PREREQUISITES]
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: needs {unknown}, not in tests/prerequisites.py")
    return [PREREQUISITES[name] for name in names]


@cache
def found(name: str) -> bool:
    return PREREQUISITES[name].find() is not None


def pytest_collection_finish(session: pytest.Session) -> None:
    # Every item once here, so a misspelt name stops the run before any test.
    names = {prerequisite.name for item in session.items for prerequisite in needed_by(item)}
    if needs_file := session.config.getoption("write_needs"):
        Path(needs_file).write_text("".join(f"{name}\n" for name in sorted(names)))


# First, so a missing prerequisite stops the test before its fixtures start servers or clusters.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for prerequisite in needed_by(item):
        if found(prerequisite.name):
            continue
        reason = f"needs {prerequisite.name}: {prerequisite.hint}"
        if in_ci():
            pytest.fail(f"{reason} (CI=true runs every test)", pytrace=False)
        item.config.stash[NOT_RUN][prerequisite.name] += 1
        pytest.skip(reason)


def not_run_lines(counts: Counter) -> list[str]:
    lines = []
    for name, count in sorted(counts.items()):
        tests = "1 test needs" if count == 1 else f"{count} tests need"
        lines.append(f"not run: {tests} {name} ({PREREQUISITES[name].what}) — {PREREQUISITES[name].hint}")
    return lines


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    lines = not_run_lines(config.stash[NOT_RUN])
    if not lines:
        return
    terminalreporter.section("missing prerequisites")
    for line in lines:
        terminalreporter.write_line(line)
    if report := os.environ.get("NOT_RUN_REPORT"):
        with open(report, "a") as file:
            file.writelines(f"{line}\n" for line in lines)
