"""Streaming replicas: which pool answers a read, and whether each replica may.

PostgreSQL's own streaming replication keeps the replicas up to date; this
module only routes. A background check (`Replicas.watch`, run by the
lifespan) reads, every interval, the primary's flushed WAL position and each
replica's replayed one. A replica that does not answer, or whose replay is
more than `max_lag` seconds behind, is out; the first check that finds it
answering and within the limit puts it back.

Lag is measured in seconds, not bytes: the check remembers when the primary
first showed each position, so a replica's lag is how long ago the primary
had WAL the replica has not replayed yet (to within one interval). An idle
primary writes no WAL, so an idle replica's lag is 0, not the time since the
last write that `now() - pg_last_xact_replay_timestamp()` would report.

Read your writes: after a write, `commit_position` is the primary's WAL
insert position; a read that carries it goes to a replica whose replay has
reached it, else to the primary. A restarted replica may accept connections
before replaying as far as it had (it resumes from its last restart point),
so a position it reported before a restart proves nothing afterwards: every
new connection to a replica checks the server's start time against the one
its replay position was read with, and refuses to serve (the read then goes
elsewhere) until a check has read the new server's position.
"""

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from db.errors import DatabaseUnavailable
from db.pool import Database

log = logging.getLogger("db.replicas")

UP, LAGGING, DOWN = "up", "lagging", "down"

# The insert position, not pg_current_wal_lsn() (the write position): with
# synchronous_commit off, COMMIT returns before its record is written out, so
# the write position can still be short of it; the insert position is past
# every record inserted so far, the commit's included, whatever the setting.
COMMIT_POSITION = "SELECT pg_current_wal_insert_lsn()::text"
# For lag, the flushed position: only flushed WAL is sent to replicas, and an
# idle replica's replay position ends up exactly equal to it.
PRIMARY_POSITION = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint"
REPLICA_POSITION = (
    "SELECT pg_is_in_recovery() AS standby, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed, "
    "pg_postmaster_start_time() AS started"
)
SERVER_STARTED = "SELECT pg_postmaster_start_time()"

_POSITION = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def parse_position(text: str) -> int:
    """`16/B374D848` (how PostgreSQL prints a pg_lsn) as a number of bytes; ValueError otherwise."""
    match = _POSITION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a WAL position: {text[:40]!r}")
    return int(match[1], 16) << 32 | int(match[2], 16)


def format_position(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


@dataclass(eq=False)
class Member:
    """One pool and what the last check found."""

    name: str  # "primary", "replica1", …: metrics labels and /readyz keys, never a URL (it may hold a password)
    db: Database
    state: str = DOWN  # replicas start out until the first check; the primary is set by it too
    replayed: int = 0  # a replica's replay position, bytes; only valid for the server that `started` names
    started: datetime | None = None
    lag_seconds: float = 0.0
    lag_bytes: int = 0
    reason: str | None = None  # why it is out, for /readyz

    def take_out(self, reason: str) -> None:
        if self.state != DOWN:
            log.warning("%s taken out: %s", self.name, reason)
        self.state = DOWN
        self.reason = reason
        self.replayed = 0
        self.started = None


@dataclass
class History:
    """When the primary first showed each flushed position, for lag in seconds."""

    window: float
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    def add(self, now: float, position: int) -> None:
        if not self.samples or position > self.samples[-1][1]:
            self.samples.append((now, position))
        # Keep the newest sample older than the window: a replica behind it is
        # at least that far behind, whatever came before.
        while len(self.samples) >= 2 and now - self.samples[1][0] > self.window:
            self.samples.popleft()

    def lag(self, replayed: int, now: float) -> float:
        for seen, position in self.samples:
            if position > replayed:
                return max(0.0, now - seen)
        return 0.0


class Replicas:
    """The primary and its replicas: the pool for each operation, and the check that keeps their states."""

    def __init__(
        self,
        primary: Database,
        replicas: Sequence[tuple[str, Database]],
        *,
        max_lag: float,
        interval: float,
        check_timeout: float,
    ) -> None:
        self.primary = Member("primary", primary, state=UP)
        self.replicas: list[Member] = []
        self._by_db: dict[int, Member] = {}
        for name, db in replicas:
            self.add(name, db)
        self.max_lag = max_lag
        self.interval = interval
        self.check_timeout = check_timeout
        self._history = History(window=max_lag + 2 * interval)

    def add(self, name: str, db: Database) -> None:
        """A replica's pool, out until the first check reads its position."""
        member = Member(name, db)
        self.replicas.append(member)
        self._by_db[id(db)] = member

    async def close(self) -> None:
        """The replicas' pools (the primary's belongs to the lifespan)."""
        for member in self.replicas:
            await member.db.close()

    @property
    def members(self) -> list[Member]:
        return [self.primary, *self.replicas]

    def is_replica(self, db: Database) -> bool:
        return id(db) in self._by_db

    def for_write(self) -> Database:
        if self.primary.state == DOWN:
            raise DatabaseUnavailable("the primary is down")
        return self.primary.db

    def cached_read(self, read_after: int | None = None) -> Database | None:
        """The replica `for_read` picks when the last check's positions settle it (no await: the common case)."""
        member = self._least_busy(read_after)
        return member.db if member is not None else None

    async def for_read(self, read_after: int | None = None) -> Database:
        """The least busy replica that is in (and has replayed `read_after`), else the primary.

        With the primary down, the replica that has replayed the most, lagging
        or not: nothing fresher is left to read from.
        """
        member = self._least_busy(read_after)
        if member is None and read_after is not None:
            candidate = self._least_busy(None)
            if candidate is not None and await self._has_replayed(candidate, read_after):
                member = candidate
        if member is not None:
            return member.db
        if self.primary.state != DOWN:
            return self.primary.db
        answering = [m for m in self.replicas if m.state != DOWN]
        return max(answering, key=lambda m: m.replayed).db if answering else self.primary.db

    def _least_busy(self, read_after: int | None) -> Member | None:
        best = None
        for member in self.replicas:
            if member.state != UP or (read_after is not None and member.replayed < read_after):
                continue
            if best is None or member.db.busy < best.db.busy:
                best = member
        return best

    async def _has_replayed(self, member: Member, position: int) -> bool:
        """Asked now, not from the last check: a writer's next read usually comes within milliseconds."""
        started = member.started
        try:
            async with asyncio.timeout(self.check_timeout):
                row = await member.db.fetchrow(REPLICA_POSITION)
        except (DatabaseUnavailable, TimeoutError) as error:
            member.take_out(f"does not answer ({type(error).__name__})")
            return False
        assert row is not None  # a SELECT without FROM returns exactly one row
        if row["started"] != started or row["replayed"] is None:
            return False  # restarted since the last check: that check reads its position again
        member.replayed = max(member.replayed, row["replayed"])
        return member.replayed >= position

    def failed(self, db: Database, reason: str) -> None:
        """A read on this replica met a connection error: out until a check finds it answering."""
        member = self._by_db.get(id(db))
        if member is not None:
            member.take_out(reason)

    async def commit_position(self) -> str | None:
        """The primary's WAL position now: past every commit that returned before this call."""
        try:
            position: str | None = await self.primary.db.fetchval(COMMIT_POSITION)
            return position
        except DatabaseUnavailable as error:
            log.warning("no WAL position after a write: the primary does not answer (%s)", error)
            return None

    async def check(self) -> None:
        """One round: the primary's position first, so a replica's can only be at or past it."""
        now = time.monotonic()
        primary_position = await self._check_primary()
        if primary_position is not None:
            self._history.add(now, primary_position)
        await asyncio.gather(*(self._check_replica(member, primary_position, now) for member in self.replicas))

    async def _check_primary(self) -> int | None:
        try:
            async with asyncio.timeout(self.check_timeout):
                position: int | None = await self.primary.db.fetchval(PRIMARY_POSITION)
        except (DatabaseUnavailable, TimeoutError) as error:
            self.primary.take_out(f"does not answer ({type(error).__name__})")
            return None
        if self.primary.state != UP:
            log.warning("primary answers again")
        self.primary.state, self.primary.reason = UP, None
        return position

    async def _check_replica(self, member: Member, primary_position: int | None, now: float) -> None:
        try:
            async with asyncio.timeout(self.check_timeout):
                row = await member.db.fetchrow(REPLICA_POSITION)
        except (DatabaseUnavailable, TimeoutError) as error:
            member.take_out(f"does not answer ({type(error).__name__})")
            return
        assert row is not None  # a SELECT without FROM returns exactly one row
        if not row["standby"] or row["replayed"] is None:
            member.take_out("is not a streaming replica (not in recovery)")
            return
        if member.started is not None and row["started"] != member.started:
            # Restarted since the last check: what it replayed before tells nothing now.
            member.take_out("restarted (its replay position is read again at the next check)")
            return
        member.started = row["started"]
        member.replayed = row["replayed"]
        if primary_position is not None:
            member.lag_bytes = max(0, primary_position - member.replayed)
            member.lag_seconds = self._history.lag(member.replayed, now)
        # With the primary down nothing moves: every answering replica is as fresh as reads can be.
        within = primary_position is None or member.lag_seconds <= self.max_lag
        state = UP if within else LAGGING
        if state != member.state:
            log.warning("%s is %s (lag %.2f s)", member.name, state, member.lag_seconds)
        member.state = state
        member.reason = None if within else f"{member.lag_seconds:.1f} s behind (limit {self.max_lag:g} s)"

    async def watch(self, after_check: Callable[[], None] | None = None) -> None:
        """Check forever (the lifespan cancels it); `after_check` reads the states (metrics)."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
                if after_check is not None:
                    after_check()
            except Exception:
                log.exception("replica check failed")

    def connection_guard(self, name: str) -> Callable[[asyncpg.Connection], Awaitable[None]]:
        """The extra `init` hook of a replica's pool: a new connection to another server than the checked one refuses.

        Built before the pool (and so before its member exists): it looks its member up on each call.
        """

        async def guard(connection: asyncpg.Connection) -> None:
            member = next((m for m in self.replicas if m.name == name), None)
            if member is None or member.started is None:
                return  # not checked yet (or out): nothing routes reads here but the check itself
            if await connection.fetchval(SERVER_STARTED) != member.started:
                member.take_out("restarted (its replay position is read again at the next check)")
                raise DatabaseUnavailable("the replica restarted since its last check")

        return guard
