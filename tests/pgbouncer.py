"""A PgBouncer in transaction mode in front of the test server, started by the test.

Debian's `pgbouncer` package (scripts/test installs it; tests/prerequisites.py finds it). It refuses to run as
root, so under root it runs as the `postgres` user from a temp dir that user
owns. Trust auth: the server behind it trusts 127.0.0.1 too.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from tests.clusters import as_postgres, chown_to_postgres
from tests.prerequisites import PREREQUISITES
from tests.servers import free_port


def _ini(root: Path, port: int, upstream_host: str, upstream_port: int) -> str:
    return f"""\
[databases]
* = host={upstream_host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/userlist.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 500
server_reset_query =
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
"""


def through(url: str, port: int) -> str:
    """`url` with its host and port replaced by PgBouncer's (same user and database)."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    return urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{port}", query=""))


@contextmanager
def running_pgbouncer(database_url: str) -> Iterator[int]:
    """PgBouncer in front of the server `database_url` points at; yields its port."""
    parts = urlsplit(database_url)
    upstream_host = parts.hostname or parse_qs(parts.query).get("host", ["127.0.0.1"])[0]
    root = Path(tempfile.mkdtemp(prefix="conduit-pgbouncer-"))
    port = free_port()
    (root / "pgbouncer.ini").write_text(_ini(root, port, upstream_host, parts.port or 5432))
    (root / "userlist.txt").write_text(f'"{parts.username or "postgres"}" ""\n')
    for path in (root, root / "pgbouncer.ini", root / "userlist.txt"):
        chown_to_postgres(path)
    process = subprocess.Popen(
        as_postgres([PREREQUISITES["pgbouncer"].find(), str(root / "pgbouncer.ini")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, root)
        yield port
    finally:
        pidfile = root / "pgbouncer.pid"
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen, root: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = root / "pgbouncer.log"
            raise RuntimeError(f"pgbouncer exited: {log.read_text() if log.exists() else process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("pgbouncer did not listen within 10 s")
