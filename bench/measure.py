"""Server-side counters read around each measured run: CPU time and SQL statements."""

import os
import time
from pathlib import Path

import asyncpg

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; everything after its ")" splits cleanly.
    return text[text.rindex(")") + 2 :].split()


def process_tree_cpu_seconds(root: int) -> float:
    """User + system CPU of `root` and its descendants (workers, Node cluster children, backends).

    A child that has exited and been reaped lives on in its parent's
    cutime/cstime, so those are added too: PostgreSQL backends come and go as
    pools open and close connections, and the total must never go down.
    """
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        if fields is None:
            continue
        # After the name: state, ppid, ..., utime is field 14 of stat (index 11 here), stime,
        # cutime, cstime follow.
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(value) for value in fields[11:15])
    total = 0
    for pid, ticks in times.items():
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            total += ticks
    return total / TICKS_PER_SECOND


def wait_until_idle(
    roots: list[int], *, busy_fraction: float = 0.05, window: float = 0.25, limit: float = 15.0
) -> None:
    """Until the process trees use under `busy_fraction` of a core: requests still in flight
    from the warm-up (wrk has hung up; the server finishes them anyway) must not be
    counted in the measured run."""
    deadline = time.monotonic() + limit
    before = sum(process_tree_cpu_seconds(root) for root in roots)
    while time.monotonic() < deadline:
        time.sleep(window)
        after = sum(process_tree_cpu_seconds(root) for root in roots)
        if after - before < busy_fraction * window:
            return
        before = after


class StatementCounter:
    """pg_stat_statements of the benchmark database, read from another database.

    track = top: a statement a client sends counts once, the statements
    inside a SQL function it calls do not, so this counts round trips
    (BEGIN, COMMIT and set_config() calls included).
    """

    def __init__(self, admin: asyncpg.Connection, database: str) -> None:
        self.admin = admin
        self.database = database

    async def reset(self) -> None:
        await self.admin.execute("SELECT pg_stat_statements_reset()")

    async def calls(self) -> int:
        return await self.admin.fetchval(
            """SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)""",
            self.database,
        )
