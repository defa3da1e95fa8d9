"""Domain errors raised by the db layer; the GraphQL edge maps them to codes."""

import asyncio
import socket

import asyncpg


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or no connection freed up in time."""


class DatabaseTimeout(DatabaseUnavailable):
    """A statement ran past COMMAND_TIMEOUT / STATEMENT_TIMEOUT, or no connection freed up in time.

    Clients see the same SERVICE_UNAVAILABLE; the class keeps the logs apart.
    """


class UniqueViolation(Exception):
    """A unique constraint refused the write; `constraint` names which one."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(constraint or "unique violation")
        self.constraint = constraint


class MissingReference(Exception):
    """A foreign key refused the write: the row it points at does not exist (any more)."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(constraint or "foreign key violation")
        self.constraint = constraint


class UnstorableText(Exception):
    """A text value PostgreSQL cannot hold or compare: it contains a NUL character."""


# A connection that was there and is gone (server restart, pg_terminate_backend,
# a reset socket), or one that cannot be opened right now. asyncpg raises
# plain OSError subclasses and its own client-side classes here as well as
# PostgreSQL's (asyncpg #784, #1069). Safe to retry an idempotent read on.
DROPPED_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # 08xxx: ConnectionDoesNotExist, ConnectionFailure...
    asyncpg.exceptions.AdminShutdownError,  # 57P01: fast shutdown, pg_terminate_backend
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.InterfaceError,  # "connection is closed", "pool is closing"
    ConnectionError,  # refused, reset, broken pipe
    socket.gaierror,
    OSError,
)

# Waiting too long: for a free pooled connection (acquire timeout), for a new
# connection, or for a statement (asyncpg's command_timeout raises the builtin
# TimeoutError after cancelling the query; PostgreSQL's statement_timeout
# raises QueryCanceledError). Never retried: a retry would double the wait.
TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,
    asyncio.TimeoutError,
    asyncpg.exceptions.QueryCanceledError,  # 57014
)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    *DROPPED_CONNECTION_ERRORS,
    asyncpg.exceptions.TooManyConnectionsError,  # 53300
)


def is_dropped_connection(error: BaseException) -> bool:
    # TimeoutError is an OSError too; a timeout is not a dropped connection.
    return isinstance(error, DROPPED_CONNECTION_ERRORS) and not isinstance(error, TIMEOUT_ERRORS)
