"""The prerequisite registry and the `needs` marker: found on PATH, skipped with a hint, failed under CI=true."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.prerequisites import PREREQUISITES, installer, postgres_bindir

ROOT = Path(__file__).resolve().parents[2]

NEEDING_PGBOUNCER = """\
import pytest

@pytest.mark.needs("pgbouncer")
def test_behind_pgbouncer():
    pass

def test_plain():
    pass
"""


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these tests need no database."""


def executable(directory: Path, name: str, script: str = "#!/bin/sh\nexit 0\n") -> Path:
    path = directory / name
    path.write_text(script)
    path.chmod(0o755)
    return path


def test_a_program_is_found_on_path_and_only_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert PREREQUISITES["pgbouncer"].find() is None
    fake = executable(tmp_path, "pgbouncer")
    assert PREREQUISITES["pgbouncer"].find() == str(fake)


def test_node_counts_only_when_new_enough_and_npm_is_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    executable(tmp_path, "node", "#!/bin/sh\necho v18.19.0\n")
    executable(tmp_path, "npm")
    assert PREREQUISITES["node"].find() is None
    node = executable(tmp_path, "node", "#!/bin/sh\necho v20.20.2\n")
    assert PREREQUISITES["node"].find() == str(node)
    (tmp_path / "npm").unlink()
    assert PREREQUISITES["node"].find() is None


def test_pg_bin_names_the_server_programs_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    assert postgres_bindir() is None
    executable(tmp_path, "initdb")
    executable(tmp_path, "pg_ctl")
    assert postgres_bindir() == str(tmp_path)


def test_without_apt_get_nothing_is_installed_and_the_reason_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert installer() == (None, "this machine has no apt-get")


def run_pytest(directory: Path, path: str, **environment: str) -> subprocess.CompletedProcess:
    """pytest on `directory` with the `needs` plugin, a PATH holding nothing, and `environment`."""
    inherited = {name: value for name, value in os.environ.items() if name not in {"CI", "NOT_RUN_REPORT"}}
    # Only this plugin: the venv's others (hypothesis, schemathesis, ...) take seconds to load.
    isolated = {"PATH": str(directory / "bin"), "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env = inherited | isolated | environment
    command = [sys.executable, "-m", "pytest", "-p", "tests.needs", "-p", "no:cacheprovider", path]
    return subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    (tmp_path / "test_needing.py").write_text(NEEDING_PGBOUNCER)
    return tmp_path


def test_a_missing_prerequisite_skips_its_tests_and_the_run_ends_saying_how_to_get_it(project: Path) -> None:
    report = project / "not-run.txt"
    completed = run_pytest(project, "test_needing.py", NOT_RUN_REPORT=str(report))
    assert completed.returncode == 0, completed.stdout
    assert "1 passed, 1 skipped" in completed.stdout
    line = "not run: 1 test needs pgbouncer (PgBouncer) — apt-get install pgbouncer (/usr/sbin must be on PATH)"
    assert line in completed.stdout.splitlines()
    assert report.read_text() == f"{line}\n"


def test_under_ci_a_missing_prerequisite_fails_the_run(project: Path) -> None:
    completed = run_pytest(project, "test_needing.py", CI="true")
    assert completed.returncode == 1, completed.stdout
    assert "1 passed, 1 error" in completed.stdout  # failed in setup, before any fixture
    assert "needs pgbouncer: apt-get install pgbouncer" in completed.stdout


def test_a_found_prerequisite_runs_its_tests(project: Path) -> None:
    executable(project / "bin", "pgbouncer")
    completed = run_pytest(project, "test_needing.py", CI="true")
    assert completed.returncode == 0, completed.stdout
    assert "2 passed" in completed.stdout


def test_a_name_not_in_the_registry_stops_the_run_before_any_test(project: Path) -> None:
    (project / "test_misspelt.py").write_text(
        'import pytest\n\n@pytest.mark.needs("pgbouncr")\ndef test_x():\n    pass\n'
    )
    completed = run_pytest(project, "test_misspelt.py")
    assert completed.returncode == 4, completed.stdout + completed.stderr
    assert "needs ['pgbouncr'], not in tests/prerequisites.py" in completed.stdout + completed.stderr


def test_write_needs_lists_what_the_selected_tests_need(project: Path) -> None:
    needs = project / "needs.txt"
    completed = run_pytest(project, "test_needing.py", PYTEST_ADDOPTS=f"--collect-only --write-needs={needs}")
    assert completed.returncode == 0, completed.stdout
    assert needs.read_text() == "pgbouncer\n"
