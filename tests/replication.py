"""A primary and a streaming replica of it, both throwaway clusters, for the read-replica tests.

The replica is PostgreSQL's own: `pg_basebackup -R` from the primary (which
writes standby.signal and primary_conninfo), then a second postmaster on
another port. Both load pg_stat_statements, so a test can count which server
ran a statement. The replica applies commits `APPLY_DELAY` late
(recovery_min_apply_delay): every read right after a write would be stale
there, so a test that reads its own write proves the routing, not luck.
"""

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from tests.clusters import Cluster, as_postgres, cluster_root, program, throwaway_cluster
from tests.servers import free_port

APPLY_DELAY_MS = 300
STATEMENTS = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
PRIMARY_OPTIONS = f"{STATEMENTS} -c wal_level=replica -c max_wal_senders=5"
REPLICA_OPTIONS = f"{STATEMENTS} -c hot_standby=on -c recovery_min_apply_delay={APPLY_DELAY_MS}ms"


@contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    with throwaway_cluster(PRIMARY_OPTIONS) as primary:
        replica = Cluster(cluster_root(), free_port(), REPLICA_OPTIONS)
        try:
            backup = [program("pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream", "--no-sync"]
            subprocess.run(
                as_postgres([*backup, "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]),
                check=True,
                capture_output=True,
                timeout=60,
            )
            replica.start()
            yield primary, replica
        finally:
            if replica.data.exists() and replica.is_running():
                replica.stop("immediate")
            shutil.rmtree(replica.root, ignore_errors=True)


async def wait_for_replay(primary_url: str, replica_url: str, budget: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far (a database created, say)."""
    primary = await asyncpg.connect(primary_url)
    try:
        position = await primary.fetchval("SELECT pg_current_wal_insert_lsn()")
    finally:
        await primary.close()
    deadline = time.monotonic() + budget
    while True:
        try:
            replica = await asyncpg.connect(replica_url)
            try:
                if await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", position):
                    return
            finally:
                await replica.close()
        except (OSError, asyncpg.PostgresError):
            pass  # the database itself may not be replayed yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not replay up to {position} in {budget} s")
        await asyncio.sleep(0.05)


async def statement_calls(url: str, pattern: str) -> int:
    """How many times statements whose text matches `pattern` (ILIKE) ran on this server, in this database."""
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(
            "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND query ILIKE $1 AND query NOT ILIKE '%pg_stat_statements%'",
            pattern,
        )
    finally:
        await connection.close()
