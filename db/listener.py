"""One LISTEN connection per process, outside the pool, that survives losing the database.

A pooled connection cannot listen: it is handed to other requests between
statements and the pool would reset or recycle it. The listener owns its own
connection, pings it so a silent network cut is noticed, reconnects with
backoff when it is lost, and then replays from the tables what was created
during the gap, so a subscriber misses nothing. Replays and live
notifications can overlap; ids delivered recently are remembered and dropped.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg

from db import events
from db.errors import CONNECTION_ERRORS
from db.events import Event

log = logging.getLogger("conduit.listener")
# What ends one connection: the listener then reconnects.
_LOST_CONNECTION: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, asyncpg.PostgresError)


class Listener:
    def __init__(
        self,
        dsn: str,
        deliver: Callable[[Event], None],
        *,
        ping_interval: float = 2.0,
        lookback: timedelta = timedelta(seconds=30),
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._deliver = deliver
        self._ping_interval = ping_interval
        self._lookback = lookback
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._connect_timeout = connect_timeout
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        # The database's clock at the last moment the connection was known to
        # be listening; None until the first connection.
        self._listening_at: datetime | None = None
        self._delivered: dict[tuple[str, int], float] = {}
        self.connected = asyncio.Event()
        self.reconnects = 0

    async def start(self) -> None:
        """Start listening; returns once the first LISTEN is in place."""
        self._task = asyncio.create_task(self._run(), name="conduit-listener")
        await asyncio.wait_for(self.connected.wait(), 2 * self._connect_timeout)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._disconnect()

    @property
    def backend_pid(self) -> int | None:
        """The listening backend's pid (what `pg_terminate_backend` needs); None while disconnected."""
        return self._connection.get_server_pid() if self.connected.is_set() and self._connection else None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
                failures = 0
                await self._watch()
            except _LOST_CONNECTION as error:
                log.warning("listener connection lost (%s); reconnecting", type(error).__name__)
            except Exception:
                # Subscribers depend on this task: log, and keep listening.
                log.exception("listener failed; reconnecting")
            finally:
                self.connected.clear()
                await self._disconnect()
            failures += 1
            self.reconnects += 1
            delay = min(self._backoff_max, self._backoff_initial * 2 ** (failures - 1))
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    async def _listen(self) -> None:
        self._lost.clear()
        connection = await asyncpg.connect(
            self._dsn, timeout=self._connect_timeout, server_settings={"application_name": "conduit-listener"}
        )
        self._connection = connection
        connection.add_termination_listener(lambda _: self._lost.set())
        await connection.add_listener(events.CHANNEL, self._on_notification)
        now = await events.database_now(connection)
        if self._listening_at is not None:
            missed = await events.created_since(connection, self._listening_at - self._lookback)
            for event in missed:
                self._publish(event)
            log.warning("listener reconnected; replayed %d events from the gap", len(missed))
        self._listening_at = now
        self.connected.set()

    async def _watch(self) -> None:
        """Ping until the connection is lost; each ping moves the replay point forward."""
        assert self._connection is not None
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self._ping_interval)
            except TimeoutError:
                self._listening_at = await asyncio.wait_for(
                    events.database_now(self._connection), self._connect_timeout
                )
                self._forget_delivered()
            else:
                raise ConnectionResetError("the listener's connection was closed")

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()

    def _on_notification(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        payload = str(payload)  # asyncpg passes a NOTIFY payload as str; its stubs say object
        try:
            event = Event.parse(payload)
        except (ValueError, KeyError, TypeError):
            log.error("ignored a malformed event payload of %d bytes", len(payload))
            return
        self._publish(event)

    def _publish(self, event: Event) -> None:
        key = (event.kind, event.id)
        if key in self._delivered:
            return
        self._delivered[key] = time.monotonic()
        self._deliver(event)

    def _forget_delivered(self) -> None:
        # Only while connected: anything delivered this long before a healthy
        # ping is older than any replay window can reach.
        horizon = time.monotonic() - 2 * self._lookback.total_seconds()
        stale = [key for key, at in self._delivered.items() if at < horizon]
        for key in stale:
            del self._delivered[key]
