"""The pool and the two ways to run SQL through it.

`Database` borrows a connection for exactly one statement (what DataLoader
batches need: sibling resolvers run concurrently and one connection cannot
run two statements at once). `Database.transaction()` borrows one connection
for a whole unit of work and hands out a `Transaction` with the same methods,
so query functions in `db/` accept either.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import asyncpg
import orjson

from db.errors import CONNECTION_ERRORS, DatabaseUnavailable, MissingReference, UniqueViolation, UnstorableText


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


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    try:
        yield
    except asyncpg.exceptions.UniqueViolationError as error:
        raise UniqueViolation(error.constraint_name) from error
    except asyncpg.exceptions.ForeignKeyViolationError as error:
        raise MissingReference(error.constraint_name) from error
    except asyncpg.exceptions.CharacterNotInRepertoireError as error:  # a NUL in a text parameter
        raise UnstorableText(str(error)) from error
    except asyncpg.exceptions.PostgresError:
        raise
    except CONNECTION_ERRORS as error:
        raise DatabaseUnavailable(type(error).__name__) from error


class Transaction:
    """One connection inside one transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        _count()
        async with _translated_errors():
            return await self.connection.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        _count()
        async with _translated_errors():
            return await self.connection.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        _count()
        async with _translated_errors():
            return await self.connection.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        _count()
        async with _translated_errors():
            return await self.connection.execute(sql, *args)


class Database:
    """The application's handle on the pool: one statement per borrow."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        _count()
        async with _translated_errors(), self.pool.acquire(timeout=self.acquire_timeout) as connection:
            return await connection.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        _count()
        async with _translated_errors(), self.pool.acquire(timeout=self.acquire_timeout) as connection:
            return await connection.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        _count()
        async with _translated_errors(), self.pool.acquire(timeout=self.acquire_timeout) as connection:
            return await connection.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        _count()
        async with _translated_errors(), self.pool.acquire(timeout=self.acquire_timeout) as connection:
            return await connection.execute(sql, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with _translated_errors(), self.pool.acquire(timeout=self.acquire_timeout) as connection:
            async with connection.transaction():
                yield Transaction(connection)

    async def close(self) -> None:
        await self.pool.close()


async def _init_connection(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads
        )


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
    application_name: str = "conduit",
) -> Database:
    try:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min(min_size, max_size),
            max_size=max_size,
            command_timeout=command_timeout,
            statement_cache_size=statement_cache_size,
            init=_init_connection,
            reset=_keep_session,
            server_settings={"application_name": application_name},
        )
    except CONNECTION_ERRORS as error:
        raise DatabaseUnavailable(f"cannot connect to the database ({type(error).__name__})") from error
    return Database(pool, acquire_timeout=acquire_timeout)
