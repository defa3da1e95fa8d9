"""The checks commands run before anything slow, so a mistake shows as a sentence, not as uvicorn's traceback."""

import errno
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import asyncpg

from db.schema_version import DatabaseBehindHead, current_revisions, head_revisions

CONNECT_TIMEOUT_SECONDS = 10.0


class PortInUse(OSError):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is in use")
        self.host = host
        self.port = port


class CannotListen(OSError):
    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


class CannotConnect(Exception):
    """Connecting to PostgreSQL failed; `target` is where, without the credentials."""

    def __init__(self, target: str, error: BaseException) -> None:
        super().__init__(f"cannot connect to PostgreSQL at {target}")
        self.target = target
        self.error = error


def check_port(host: str, port: int) -> None:
    """Bind the way uvicorn will (same family rule, SO_REUSEADDR), then let go."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(host, port) from None
            raise CannotListen(host, port, error.strerror or str(error)) from None


def database_target(url: str) -> str:
    """host:port/database of a URL (or the socket directory), never its user or password."""
    try:
        parts = urlsplit(url)
        socket_dir = parse_qs(parts.query).get("host", [""])[0]
        host = parts.hostname or socket_dir or "localhost"
        port = parts.port or 5432
    except ValueError:
        return "the address in DATABASE_URL"
    database = parts.path.lstrip("/") or (parts.username or "")
    where = host if host.startswith("/") else f"{host}:{port}"
    return f"{where}/{database}" if database else where


@asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    try:
        connected = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise CannotConnect(database_target(url), error) from None
    try:
        yield connected
    finally:
        await connected.close()


async def check_database(url: str, *, at_head: bool) -> None:
    """Reachable with these credentials, and (when `at_head`) migrated: what `serve` needs before uvicorn runs."""
    async with connection(url) as connected:
        if at_head:
            current = await current_revisions(connected)
            if current != head_revisions():
                raise DatabaseBehindHead.between(current, head_revisions())
