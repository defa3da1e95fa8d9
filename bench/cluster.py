"""A private, throwaway PostgreSQL cluster with pg_stat_statements preloaded.

The shared server may not preload pg_stat_statements, and statement counts
must come from a server nobody else is using, so the benchmark starts its own
with the Debian binaries (initdb + pg_ctl). PostgreSQL refuses to run as root:
as root the cluster belongs to the `postgres` OS user.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Durability is off: the cluster is deleted afterwards, and a shared VM's
# fsync latency would otherwise dominate the write shapes of every system alike.
SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "top",
    "pg_stat_statements.max": "10000",
    "max_connections": "300",
    "shared_buffers": "256MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "127.0.0.1",
    "log_min_messages": "warning",
}


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are: pg_config's answer, else the newest Debian install."""
    if pg_config := shutil.which("pg_config"):
        candidate = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not installed:
        raise RuntimeError("No PostgreSQL server binaries found (apt-get install postgresql).")
    return installed[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    directory: Path
    port: int
    bindir: Path
    owner: str | None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            for name, value in {
                **SETTINGS,
                "port": str(self.port),
                "unix_socket_directories": str(self.directory),
            }.items():
                conf.write(f"{name} = '{value}'\n")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster() -> Cluster:
    owner = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="conduit-bench-pg-"))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(directory=directory, port=free_port(), bindir=postgres_bindir(), owner=owner)
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return cluster
