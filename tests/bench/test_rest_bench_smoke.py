"""The REST shapes (bench/rest_shapes.py) run end to end: answers match SQL, the load gets no failures.

Tiny data and half a second of load per pair, on ours and the plain
endpoint (PostGraphile joins with BENCH_SMOKE_POSTGRAPHILE=1, as in
tests/bench/test_bench_smoke.py). Not a performance test.
"""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench.rest_shapes import REST_SHAPES

pytestmark = pytest.mark.needs("initdb", "wrk")

ROOT = Path(__file__).resolve().parents[2]
SHAPES = tuple(shape.name for shape in REST_SHAPES)


def test_the_rest_shapes_pass_their_checks_and_load_without_failures(tmp_path: Path) -> None:
    systems = ["ours", "plain"] + (["postgraphile"] if os.environ.get("BENCH_SMOKE_POSTGRAPHILE") == "1" else [])
    completed = subprocess.run(
        [
            sys.executable, "-m", "bench", "--size", "tiny", "--seconds", "0.5", "--warmup", "0", "--rounds", "1",
            "--workers", "1", "--connections", "4", "--systems", ",".join(systems), "--out", str(tmp_path),
            "--shapes", ",".join(SHAPES),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (run_directory,) = tmp_path.iterdir()
    report = orjson.loads((run_directory / "report.json").read_bytes())
    assert [c for c in report["checks"] if not c["ok"]] == []
    assert {(c["shape"], c["system"]) for c in report["checks"]} == {
        (shape, f"{system}-1w") for shape in SHAPES for system in systems
    }
    rows = {(row["shape"], row["system"]): row for row in report["summary"]}
    for row in rows.values():
        assert row["requests"] > 0 and row["failed"] == 0, row
    # The REST list costs the same statements on ours as on the plain endpoint: no hidden N+1 behind FastAPI.
    for shape in ("RQ1", "RQ2"):
        assert round(rows[(shape, "ours-1w")]["statements_per_request"]) == round(
            rows[(shape, "plain-1w")]["statements_per_request"]
        )
