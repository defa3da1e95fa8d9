"""`serve --workers 2`: two processes on one port; /metrics on either reports both, logs are JSON."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import running_servers

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

REQUESTS = 40
SCRAPES = 8


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    # A new connection each time, so the kernel may hand it to either worker.
    response = httpx.get(f"{url}/metrics", headers={"connection": "close"})
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_from_any_worker_add_up_every_worker(database_url, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = metrics_dir / "counter_999999.db"
    stale.write_bytes(b"left over from an earlier run")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "POOL_MIN_SIZE": "1", "POOL_MAX_SIZE": "1"}
    with running_servers(database_url, tmp_path, 1, workers=2, env=env) as (server,):
        assert not stale.exists(), "serve must clear the directory's old files"
        # The server answers as soon as one worker is up; the other may still be
        # starting. Both have sampled their pools (one connection each) once the sum is 2.
        deadline = time.monotonic() + 30
        while scrape(server.url).get(("db_pool_size", ())) != 2:
            assert time.monotonic() < deadline, "the second worker never started"
            time.sleep(0.1)

        def ask(_: int) -> int:
            response = httpx.post(
                f"{server.url}/graphql", json={"query": "query Pids { tags { name } }"}, headers={"connection": "close"}
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            assert set(pool.map(ask, range(REQUESTS))) == {200}

        scrapes = [scrape(server.url) for _ in range(SCRAPES)]
        output = server.output()

    for values in scrapes:
        assert values[("graphql_requests_total", (("operation", "Pids"), ("outcome", "ok")))] == REQUESTS
        # Each worker holds a pool of exactly one connection; the gauge is summed over live workers.
        assert values[("db_pool_size", ())] == 2

    lines = [orjson.loads(line) for line in output.splitlines() if line.strip()]
    started = {line["message"] for line in lines if line["message"].startswith("Started server process")}
    assert len(started) == 2
    operations = [line for line in lines if line["logger"] == "graph.request"]
    assert len(operations) == REQUESTS
    assert all(line["operation"] == "Pids" and line["outcome"] == "ok" for line in operations)
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
