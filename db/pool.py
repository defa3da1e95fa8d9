"""The pool and the two ways to run SQL through it.

`Database` borrows a connection for exactly one statement (what DataLoader
batches need: sibling resolvers run concurrently and one connection cannot
run two statements at once). `Database.transaction()` borrows one connection
for a whole unit of work and hands out a `Transaction` with the same methods,
so query functions in `db/` accept either.

Faults: every connection-level failure leaves as `DatabaseUnavailable` (a
`DatabaseTimeout` for timeouts), never as a raw asyncpg or socket error. A
statement that starts with SELECT, run outside a transaction, is retried once
on a fresh connection when its connection dropped (a PostgreSQL restart,
`pg_terminate_backend`): it cannot have changed anything. Anything else (a
write, a transaction, a timeout) is never retried: a write whose reply was
lost may have committed, and retrying a timeout doubles the wait. Only a
transaction whose BEGIN met a dead pooled connection starts over on a fresh
one, since none of its statements was sent.
"""

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Literal, Protocol, TypeVar

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from db.errors import (
    CONNECTION_ERRORS,
    TIMEOUT_ERRORS,
    DatabaseTimeout,
    DatabaseUnavailable,
    MissingReference,
    UniqueViolation,
    UnstorableText,
    is_dropped_connection,
)

log = logging.getLogger("db.pool")

# Only a plain SELECT is retried: WITH can hide a data-modifying CTE.
_IDEMPOTENT = re.compile(r"\s*select\b", re.IGNORECASE)


class StatementCount:
    """How many statements the current request sent; read by tests and logs."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


statement_count: ContextVar[StatementCount | None] = ContextVar("statement_count", default=None)


def _count() -> None:
    counter = statement_count.get()
    if counter is not None:
        counter.value += 1


class Queryable(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]: ...
    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None: ...
    async def fetchval(self, sql: str, *args: Any) -> Any: ...
    async def execute(self, sql: str, *args: Any) -> str: ...


class _TranslatedErrors:
    """asyncpg's and the socket's errors as db.errors' (a class, not a generator: it wraps every statement)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> Literal[False]:
        if error is None:
            return False
        if isinstance(error, asyncpg.exceptions.UniqueViolationError):
            raise UniqueViolation(error.constraint_name) from error
        if isinstance(error, asyncpg.exceptions.ForeignKeyViolationError):
            raise MissingReference(error.constraint_name) from error
        if isinstance(error, asyncpg.exceptions.CharacterNotInRepertoireError):  # a NUL in a text parameter
            raise UnstorableText(str(error)) from error
        if isinstance(error, TIMEOUT_ERRORS):
            raise DatabaseTimeout(type(error).__name__) from error
        if isinstance(error, CONNECTION_ERRORS):
            raise DatabaseUnavailable(type(error).__name__) from error
        return False


_translated_errors = _TranslatedErrors()


class Transaction:
    """One connection inside one transaction."""

    def __init__(self, connection: "asyncpg.Connection | PoolConnectionProxy[asyncpg.Record]") -> None:
        self.connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        _count()
        with _translated_errors:
            return await self.connection.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        _count()
        with _translated_errors:
            return await self.connection.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        _count()
        with _translated_errors:
            return await self.connection.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        _count()
        with _translated_errors:
            return await self.connection.execute(sql, *args)


def _consume_outcome(task: "asyncio.Future[Any]") -> None:
    """Nobody awaits a statement whose caller was cancelled; its error is not news."""
    if not task.cancelled():
        task.exception()


class Database:
    """The application's handle on the pool: one statement per borrow."""

    transaction_class: type[Transaction] = Transaction

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        self.waiting = 0  # borrowers waiting for a connection (a metrics gauge reads it)
        # One slot per pooled connection; every borrow goes through here. Waiting
        # happens on this semaphore, first come first served, so the pool itself
        # always has a connection ready for a slot's holder. (The pool's own queue
        # lets a newcomer take a connection a woken waiter was about to get: under
        # load, a few borrowers lost it again and again, and p99 latency tripled.)
        self._slots = asyncio.Semaphore(pool.get_max_size())
        self._max_size = pool.get_max_size()

    @property
    def busy(self) -> int:
        """Connections borrowed plus borrowers waiting: how loaded this pool is (db/replicas.py compares them)."""
        return self._max_size - self._slots._value + self.waiting

    async def _acquire(self) -> "PoolConnectionProxy[asyncpg.Record]":
        if self._slots.locked():
            self.waiting += 1
            try:
                async with asyncio.timeout(self.acquire_timeout):
                    await self._slots.acquire()
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()  # at once
        try:
            # A slot guarantees a free connection, so this borrow waits on no clock
            # (a timeout arms a timer on acquire and again on release: a third of
            # the pool's share of a small query's CPU). Should the connection need
            # (re)opening, the connect timeout (create_database) bounds that.
            return await self.pool.acquire()
        except BaseException:
            self._slots.release()
            raise

    async def _release(self, connection: "PoolConnectionProxy[asyncpg.Record]") -> None:
        try:
            await self.pool.release(connection)
        finally:
            self._slots.release()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._statement("fetch", sql, args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._statement("fetchrow", sql, args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._statement("fetchval", sql, args)

    async def execute(self, sql: str, *args: Any) -> str:
        status: str = await self._statement("execute", sql, args)
        return status

    async def fetchval_sole(self, sql: str, *args: Any) -> Any:
        """`fetchval` for a statement its request awaits alone, from the request's own task.

        Nothing cancels that task mid-statement: it has no sibling fields for
        graphql-core to cancel, and uvicorn cancels it only when a shutdown
        outlasts its grace period, after which the pool is closed anyway. So
        it runs without `_once`'s shielding task, whose task, shield and
        callbacks were ~6% of the Python of a small planned query.
        """
        return await self._statement("fetchval", sql, args, shielded=False)

    async def _statement(self, method: str, sql: str, args: tuple[Any, ...], *, shielded: bool = True) -> Any:
        _count()
        run = self._once if shielded else self._on_connection
        with _translated_errors:
            try:
                return await run(method, sql, args)
            except Exception as error:
                if not (is_dropped_connection(error) and _IDEMPOTENT.match(sql)):
                    raise
                log.warning("a read lost its connection (%s); retrying once on a fresh one", type(error).__name__)
                # One dropped connection usually means all of them went (a restart):
                # replace every idle one rather than retry on another dead socket.
                await self.pool.expire_connections()
                return await run(method, sql, args)

    async def _once(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        # graphql-core cancels the sibling fields' tasks when one field fails.
        # An asyncpg statement cancelled mid-exchange can leave its backend
        # "active" in ClientRead, holding its locks (a TRUNCATE or ALTER then
        # waits forever). So the statement runs in a task of its own: a
        # cancelled caller stops waiting, the statement finishes and its
        # connection goes back to the pool in a clean state.
        statement = asyncio.ensure_future(self._on_connection(method, sql, args))
        try:
            return await asyncio.shield(statement)
        except asyncio.CancelledError:
            statement.add_done_callback(_consume_outcome)
            raise

    async def _on_connection(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        connection = await self._acquire()
        try:
            return await getattr(connection, method)(sql, *args)
        finally:
            await self._release(connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        with _translated_errors:
            connection, transaction = await self._begin()
            try:
                yield self.transaction_class(connection)
            except BaseException:
                if not connection.is_closed():
                    await transaction.rollback()
                raise
            else:
                await transaction.commit()
            finally:
                await self._release(connection)

    async def _begin(self) -> "tuple[PoolConnectionProxy[asyncpg.Record], asyncpg.transaction.Transaction]":
        """A connection inside BEGIN. A pooled connection found dead at BEGIN is
        replaced once: nothing of the unit of work was sent yet, so this is no
        retry of a write."""
        for attempt in (1, 2):
            connection = await self._acquire()
            transaction = connection.transaction()
            try:
                await transaction.start()
            except BaseException as error:
                await self._release(connection)
                if attempt == 2 or not is_dropped_connection(error):
                    raise
                await self.pool.expire_connections()
            else:
                return connection, transaction
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.pool.close()


StatementSpan = Callable[[str], AbstractContextManager[object]]


_Statements = TypeVar("_Statements", "Database", Transaction)


def _traced(base: type[_Statements], statement_span: StatementSpan) -> type[_Statements]:
    """A subclass of `base` that runs each statement inside `statement_span(sql)`.

    Built only when tracing is on, so with tracing off the statement path has
    no extra call at all.
    """

    class Traced(base):  # type: ignore[valid-type,misc]  # mypy takes no base chosen at run time
        async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
            with statement_span(sql):
                rows: list[asyncpg.Record] = await super().fetch(sql, *args)
                return rows

        async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
            with statement_span(sql):
                row: asyncpg.Record | None = await super().fetchrow(sql, *args)
                return row

        async def fetchval(self, sql: str, *args: Any) -> Any:
            with statement_span(sql):
                return await super().fetchval(sql, *args)

        async def execute(self, sql: str, *args: Any) -> str:
            with statement_span(sql):
                status: str = await super().execute(sql, *args)
                return status

        async def fetchval_sole(self, sql: str, *args: Any) -> Any:
            with statement_span(sql):
                return await super().fetchval_sole(sql, *args)

    Traced.__name__ = Traced.__qualname__ = f"Traced{base.__name__}"
    return Traced


async def _init_connection(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads
        )


ConnectionHook = Callable[[asyncpg.Connection], Awaitable[None]]


def _init_then(hook: ConnectionHook) -> Callable[[asyncpg.Connection], Coroutine[Any, Any, None]]:
    async def init(connection: asyncpg.Connection) -> None:
        await _init_connection(connection)
        await hook(connection)

    return init


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's per-release reset, deliberately empty.

    asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` on every release, which quadruples the statements
    of a DataLoader-batched request. It is safe to skip because no code in
    this project changes session state on a pooled connection: no SET (only
    SET LOCAL inside transactions), no session advisory locks (only the
    transaction-scoped kind), no LISTEN (the listener has its own connection
    outside the pool), no cursors outside transactions. asyncpg still rolls
    back any open transaction before this hook runs.
    """


async def create_database(
    dsn: str,
    *,
    min_size: int,
    max_size: int,
    acquire_timeout: float,
    command_timeout: float,
    statement_cache_size: int,
    statement_timeout: float = 0,
    application_name: str = "conduit",
    statement_span: StatementSpan | None = None,
    on_connect: ConnectionHook | None = None,
) -> Database:
    """`statement_timeout` (seconds, 0: not sent) makes PostgreSQL itself cancel
    a runaway statement, even one whose client went away; `command_timeout`
    is asyncpg's own clock (it cancels the query and keeps the connection).
    With `statement_span`, every statement runs inside one (tracing). `on_connect`
    runs on each new connection after the codecs are set; raising refuses it."""
    server_settings = {"application_name": application_name}
    if statement_timeout > 0:
        # A startup parameter, not a SET: no session state to reset, and PgBouncer
        # (which refuses unknown startup parameters) is configured with 0 instead.
        server_settings["statement_timeout"] = str(max(1, round(statement_timeout * 1000)))
    try:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min(min_size, max_size),
            max_size=max_size,
            command_timeout=command_timeout,
            statement_cache_size=statement_cache_size,
            init=_init_connection if on_connect is None else _init_then(on_connect),
            reset=_keep_session,
            server_settings=server_settings,
            # Opening a connection waits no longer than borrowing one would.
            timeout=acquire_timeout,
        )
    except CONNECTION_ERRORS as error:
        raise DatabaseUnavailable(f"cannot connect to the database ({type(error).__name__})") from error
    if statement_span is None:
        return Database(pool, acquire_timeout=acquire_timeout)
    database_class = _traced(Database, statement_span)
    database_class.transaction_class = _traced(Transaction, statement_span)
    return database_class(pool, acquire_timeout=acquire_timeout)
