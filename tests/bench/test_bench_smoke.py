"""The benchmark still runs end to end (tiny data, one second of load): not a performance test.

It starts its own PostgreSQL cluster, so it does not touch the test database.
PostGraphile joins with BENCH_SMOKE_POSTGRAPHILE=1 (its `npm ci` takes ~45 s
on a fresh clone, longer than the rest of the suite).
"""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench import client_shapes

# Its own cluster (initdb, pg_ctl) and wrk as the load generator.
pytestmark = pytest.mark.needs("initdb", "wrk")

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ("Q1", "Q2", "Q3", "Q4", "M1", "M2")
CLIENT_SHAPES = tuple(shape.name for shape in client_shapes.CLIENT_SHAPES)


def _systems() -> list[str]:
    systems = ["ours", "plain"]
    if os.environ.get("BENCH_SMOKE_POSTGRAPHILE") == "1":
        systems.insert(1, "postgraphile")
    return systems


def test_tiny_benchmark_checks_answers_and_reports_sane_numbers(tmp_path: Path) -> None:
    systems = _systems()
    completed = subprocess.run(
        [
            sys.executable, "-m", "bench", "--size", "tiny", "--seconds", "1", "--warmup", "0", "--rounds", "1",
            "--workers", "1", "--connections", "8", "--systems", ",".join(systems), "--out", str(tmp_path),
            "--shapes", ",".join(SHAPES),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    (run_directory,) = tmp_path.iterdir()
    report = orjson.loads((run_directory / "report.json").read_bytes())
    markdown = (run_directory / "report.md").read_text()

    assert [c for c in report["checks"] if not c["ok"]] == []
    assert len(report["checks"]) == len(SHAPES) * len(systems)
    rows = {(row["shape"], row["system"]): row for row in report["summary"]}
    assert set(rows) == {(shape, f"{system}-1w") for shape in SHAPES for system in systems}
    for (shape, system), row in rows.items():
        label = f"{shape} {system}: {row}"
        assert row["requests"] > 0 and row["rps"] > 0, label
        assert row["failed"] == 0, label
        assert 0 < row["p50_ms"] <= row["p99_ms"] < 10_000, label
        assert 0.5 <= row["statements_per_request"] <= 50, label
        assert row["server_cpu_ms_per_request"] > 0, label
        assert row["database_cpu_ms_per_request"] >= 0, label
        assert f"| {shape} | {system} |" in markdown, label
    # Our service and the plain endpoint send the same statements for Q3 (one page of users).
    assert round(rows[("Q3", "ours-1w")]["statements_per_request"]) == 1
    assert round(rows[("Q3", "plain-1w")]["statements_per_request"]) == 1


def test_the_client_style_shapes_pass_their_checks_and_load_without_failures(tmp_path: Path) -> None:
    # Not the plain endpoint: it has no routes for them. PostGraphile as above.
    systems = [system for system in _systems() if system != "plain"]
    completed = subprocess.run(
        [
            sys.executable, "-m", "bench", "--size", "tiny", "--seconds", "0.5", "--warmup", "0", "--rounds", "1",
            "--workers", "1", "--connections", "4", "--systems", ",".join(systems), "--out", str(tmp_path),
            "--shapes", ",".join(CLIENT_SHAPES),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (run_directory,) = tmp_path.iterdir()
    report = orjson.loads((run_directory / "report.json").read_bytes())
    assert [c for c in report["checks"] if not c["ok"]] == []
    assert {(c["shape"], c["system"]) for c in report["checks"]} == {
        (shape, f"{system}-1w") for shape in CLIENT_SHAPES for system in systems
    }
    for row in report["summary"]:
        assert row["requests"] > 0 and row["failed"] == 0, row
