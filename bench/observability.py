"""What the per-operation log line and metrics cost a request.

Two measurements:

1. end to end: 1,000 sequential POSTs to a real server of this checkout
   against the same requests to a server of another checkout without the
   observability code (`--baseline DIR`, e.g. `git archive <commit> | tar -x -C DIR`),
   alternating rounds to spread machine noise over both;
2. in process: the recording step alone (one JSON log line through the real
   formatter into a file, plus the metric updates), timed over 20,000 calls.

    DATABASE_URL=postgresql://... .venv/bin/python bench/observability.py --baseline /tmp/base

The database needs the demo data (`python -m graph seed`). Results go to stdout.
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import TEST_SECRET, free_port  # noqa: E402

QUERY = {"query": "query Bench { articles(first: 10) { edges { node { title author { username } } } } }"}


def start(checkout: Path, log_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {**os.environ, "JWT_SECRET": TEST_SECRET, **env}
    log = (log_dir / f"{checkout.name}-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "graph", "serve", "--port", str(port)],
        cwd=checkout,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{checkout} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_requests(process: subprocess.Popen, url: str, count: int) -> tuple[float, float]:
    """Wall ms and server CPU ms per request, over `count` sequential requests on one keep-alive connection.

    The server's CPU time is the steadier figure on a shared machine: wall time
    also counts waiting for a core.
    """
    with httpx.Client(base_url=url) as client:
        for _ in range(100):
            client.post("/graphql", json=QUERY)
        started, cpu = time.perf_counter(), cpu_seconds(process.pid)
        for _ in range(count):
            response = client.post("/graphql", json=QUERY)
            assert response.status_code == 200 and "errors" not in response.json(), response.text
        wall = (time.perf_counter() - started) * 1000 / count
        return wall, (cpu_seconds(process.pid) - cpu) * 1000 / count


def end_to_end(baseline: Path, count: int, rounds: int, env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as log_dir:
        servers = {
            "without (baseline)": start(baseline, Path(log_dir), env),
            "with logs + metrics": start(ROOT, Path(log_dir), env),
        }
        try:
            walls: dict[str, list[float]] = {name: [] for name in servers}
            cpus: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(rounds):
                for name, (process, url) in servers.items():
                    wall, cpu = timed_requests(process, url, count)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait()
    for name in servers:
        print(
            f"{name:22} wall {statistics.median(walls[name]):.3f} ms/request, "
            f"server CPU {statistics.median(cpus[name]):.3f} ms/request (medians; CPU rounds "
            f"{[round(v, 3) for v in cpus[name]]})"
        )
    delta = statistics.median(cpus["with logs + metrics"]) - statistics.median(cpus["without (baseline)"])
    print(f"server CPU difference  {delta * 1000:+.0f} µs/request (median of {rounds} rounds of {count})")


def in_process(calls: int) -> None:
    from starlette.requests import Request

    from graph.http import observe
    from graph.http.params import Params
    from graph.observability.logs import JsonFormatter
    from graph.settings import Settings

    with tempfile.NamedTemporaryFile("w") as sink:
        handler = logging.StreamHandler(sink)
        handler.setFormatter(JsonFormatter())
        observe.log.addHandler(handler)
        observe.log.setLevel(logging.INFO)
        observe.log.propagate = False
        # With a request id header, as a context would supply one (no uuid4 per call).
        headers = [(b"x-request-id", b"bench")]
        scope = {"type": "http", "headers": headers, "state": {"settings": Settings(), "tracer": None}}
        request = Request(scope)
        params = Params(query="query Bench { x }", operation_name="Bench")
        observation = observe.Observation()
        for _ in range(1000):
            observe._record(request, params, "POST", observation, time.perf_counter(), [], 200, None)
        # CPU time of this process: on a shared machine, wall time also counts waiting for a core.
        started = time.process_time()
        for _ in range(calls):
            observe._record(request, params, "POST", observation, time.perf_counter(), [], 200, None)
        elapsed = time.process_time() - started
    print(f"recording one operation (log line + metrics): {elapsed * 1e6 / calls:.1f} µs CPU (mean of {calls})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="a checkout without the observability code")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    in_process(args.calls)
    if args.baseline:
        env = {"POOL_MIN_SIZE": "2", "DATA_DIR": tempfile.mkdtemp()}
        end_to_end(args.baseline, args.requests, args.rounds, env)


if __name__ == "__main__":
    main()
