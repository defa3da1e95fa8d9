"""Domain errors raised by the db layer; the GraphQL edge maps them to codes."""

import asyncio
import socket

import asyncpg


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or no connection freed up in time."""


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


# What asyncpg and the socket layer raise while PostgreSQL restarts or is
# unreachable (asyncpg #784, #1069): not only asyncpg's own classes.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
    socket.gaierror,
    OSError,
    TimeoutError,
    asyncio.TimeoutError,
)
