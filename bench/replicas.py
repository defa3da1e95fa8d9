"""`python -m bench.replicas`: Q2 and Q4 served with one streaming replica against without one.

On one machine the replica shares the primary's cores, so it cannot add read
capacity: what this measures is the routing's own cost (the operation-type
lookup, picking a pool, the background check), which should stay under 5%.
Both servers (`ours`, one worker each) run at once on the same private
cluster and data as `python -m bench`; the replica is that cluster's
streaming standby (`pg_basebackup -R`); rounds alternate between them.

Timing on a shared 2-core VM swings by more than 5% between rounds, so
`--count` counts instead (bench/request_cost.py): the Python bytecode
instructions per Q2 request in process, without and with the replica.
"""

import argparse
import asyncio
import secrets
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.cluster import Cluster, free_port, start_cluster
from bench.dataset import DATABASE, SIZES, prepare
from bench.load import ensure_wrk, run_wrk
from bench.shape_types import ours_body
from bench.shapes import SHAPES
from bench.systems import System
from graph.auth.tokens import Tokens

SHAPE_NAMES = ("Q2", "Q4")


def start_replica(primary: Cluster) -> Cluster:
    """A hot standby of `primary` on a port of its own (its pg_hba trusts local replication: initdb --auth=trust)."""
    directory = Path(tempfile.mkdtemp(prefix="conduit-bench-replica-"))
    if primary.owner:
        shutil.chown(directory, user=primary.owner, group=primary.owner)
    replica = Cluster(directory=directory, port=free_port(), bindir=primary.bindir, owner=primary.owner)
    backup = [str(primary.bindir / "pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream"]
    replica._run(*backup, "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres")
    with (replica.data / "postgresql.conf").open("a") as conf:  # after the primary's own: these win
        conf.write(f"port = '{replica.port}'\nunix_socket_directories = '{directory}'\nhot_standby = 'on'\n")
    pg_ctl = str(primary.bindir / "pg_ctl")
    replica._run(pg_ctl, "-D", str(replica.data), "-l", str(directory / "log"), "-w", "start")
    return replica


async def count_instructions(size: str, requests: int) -> None:
    """Instructions per Q2 request, in process, without a replica and with one."""
    from bench.request_cost import count
    from graph.app import create_app
    from graph.settings import Settings

    cluster = start_cluster()
    replica = None
    try:
        dataset = await prepare(cluster, SIZES[size])
        replica = start_replica(cluster)
        body = ours_body(SHAPES["Q2"], {})
        for label, urls in (("without", []), ("one replica", [replica.url(DATABASE)])):
            settings = Settings(
                database_url=dataset.url,
                replica_database_urls=urls,
                environment="production",
                jwt_secret=secrets.token_urlsafe(32),
            )
            cost = await count(create_app(settings), "/graphql", body, requests=requests)
            if cost.status != 200 or b'"errors"' in cost.body:
                raise RuntimeError(f"{label}: unexpected answer {cost.status} {cost.body[:200]!r}")
            print(f"bench.replicas: Q2 {label}: {cost.per_request:,.0f} instructions per request", flush=True)
    finally:
        if replica is not None:
            replica.stop()
        cluster.stop()


async def run(size: str, seconds: float, warmup: float, rounds: int, connections: int, threads: int) -> None:
    ensure_wrk()
    cluster = start_cluster()
    replica = None
    systems: list[System] = []
    try:
        dataset = await prepare(cluster, SIZES[size])
        replica = start_replica(cluster)
        secret = secrets.token_urlsafe(48)
        token = Tokens(secret.encode(), 24 * 3600).issue(dataset.reader_id, 0)
        labelled = {
            "without": System("ours", 1),
            "one replica": System("ours", 1, env={"REPLICA_DATABASE_URLS": replica.url(DATABASE)}),
        }
        for system in labelled.values():
            system.start(dataset.url, secret, Path(tempfile.gettempdir()) / f"bench-replicas-{system.port}.log")
            systems.append(system)
            system.wait_ready()
        results: dict[tuple[str, str], list] = {}
        for name in SHAPE_NAMES:
            shape = SHAPES[name]
            headers = {"Content-Type": "application/json"}
            if shape.signed_in:
                headers["Authorization"] = f"Bearer {token}"
            for round_number in range(rounds):
                for label, system in labelled.items():
                    bodies = [system.body(shape, variables) for variables in shape.requests(None)]
                    path, tag = system.path(shape), f"{round_number}{system.port}"
                    load = {"seconds": 0.0, "connections": connections, "threads": threads}
                    run_wrk(system.base, path, bodies, headers, **{**load, "seconds": warmup}, run_tag=f"w{tag}")
                    result = run_wrk(
                        system.base, path, bodies, headers, **{**load, "seconds": seconds}, run_tag=f"m{tag}"
                    )
                    if result.failed or result.socket_errors:
                        raise RuntimeError(f"{name} {label}: {result.failed} failed, {result.socket_errors} errors")
                    results.setdefault((name, label), []).append(result)
                    print(f"bench.replicas: {name} round {round_number + 1} {label}: {result.rps:.0f} req/s, "
                          f"p50 {result.p50_ms:.2f} ms", flush=True)  # fmt: skip
        print("\n| shape | without replica req/s | one replica req/s | change | p50 without | p50 one replica |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name in SHAPE_NAMES:
            without = statistics.median(r.rps for r in results[(name, "without")])
            routed = statistics.median(r.rps for r in results[(name, "one replica")])
            p50_without = statistics.median(r.p50_ms for r in results[(name, "without")])
            p50_routed = statistics.median(r.p50_ms for r in results[(name, "one replica")])
            print(f"| {name} | {without:,.0f} | {routed:,.0f} | {100 * (routed - without) / without:+.1f}% "
                  f"| {p50_without:.2f} ms | {p50_routed:.2f} ms |")  # fmt: skip
    finally:
        for system in systems:
            system.stop()
        if replica is not None:
            replica.stop()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--count", action="store_true", help="count Q2's Python instructions instead of timing")
    parser.add_argument("--requests", type=int, default=200, help="with --count: requests counted")
    args = parser.parse_args()
    if args.count:
        import uvloop  # the server's loop, as bench/request_cost.py counts

        uvloop.run(count_instructions(args.size, args.requests))
        return
    asyncio.run(run(args.size, args.seconds, args.warmup, args.rounds, args.connections, args.threads))


if __name__ == "__main__":
    main()
