"""The startup failures a user can cause, as one or two lines each: what is wrong, then what to do.

`explain` knows a fixed set of exception types; anything else returns None
and keeps its traceback, since it is a bug rather than a mistake in the setup.
"""

import os
import socket
from urllib.parse import urlsplit

import asyncpg
from pydantic import ValidationError

from db.embedded import EmbeddedServerFailed
from db.schema_version import DatabaseBehindHead
from graph.auth.tokens import SecretMissing
from graph.cli.startup import CONNECT_TIMEOUT_SECONDS, CannotConnect, CannotListen, PortInUse

# Settings whose values are never repeated back: a URL can carry a password.
SECRET_SETTINGS = ("database_url", "listener_database_url", "jwt_secret")
DATABASE_URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def explain(error: BaseException, command: str) -> list[str] | None:
    if isinstance(error, ValidationError):
        return _bad_settings(error)
    if isinstance(error, PortInUse):
        other = error.port + 1 if error.port < 65535 else 8000
        example = "./scripts/start" if command == "start" else f"python -m graph {command}"
        return [
            f"port {error.port} on {error.host} is already in use (another server running?)",
            f"stop that, or choose another port: --port {other} (e.g. {example} --port {other}) or PORT={other}",
        ]
    if isinstance(error, CannotListen):
        return [
            f"cannot listen on {error.host}:{error.port}: {error.reason}",
            "choose another address with --host/--port (or HOST/PORT), e.g. --host 127.0.0.1 --port 8000",
        ]
    if isinstance(error, CannotConnect):
        return _cannot_connect(error)
    if isinstance(error, DatabaseBehindHead):
        return [str(error)]
    if isinstance(error, EmbeddedServerFailed):
        return [
            f"the embedded PostgreSQL (data in {error.pgdata}) did not start: {error.reason}",
            f"see its log, {error.log}; or set DATABASE_URL ({DATABASE_URL_FORM}) to use another PostgreSQL",
        ]
    if isinstance(error, SecretMissing):
        return [str(error), "set JWT_SECRET to a random string of 32 bytes or more: JWT_SECRET=$(openssl rand -hex 32)"]
    return None


def without_secrets(lines: list[str], *urls: str | None) -> list[str]:
    """A last guard: no password from these URLs survives into a line."""
    passwords = []
    for url in urls:
        try:
            password = urlsplit(url).password if url else None
        except ValueError:
            password = None
        if password:
            passwords.append(password)
    for password in passwords:
        lines = [line.replace(password, "***") for line in lines]
    return lines


def _bad_settings(error: ValidationError) -> list[str]:
    problems, names = [], []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        name = field.upper()
        names.append(name)
        value = "" if field in SECRET_SETTINGS else f"={item['input']!r}"
        message = item["msg"][:1].lower() + item["msg"][1:]
        problems.append(f"{name}{value}: {message}")
    return [
        "bad setting " + "; ".join(problems),
        f"fix or unset {', '.join(dict.fromkeys(names))} in the environment (docs/settings.md lists every setting)",
    ]


def _cannot_connect(error: CannotConnect) -> list[str]:
    cause, target = error.error, error.target
    if isinstance(cause, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return [
            f"PostgreSQL at {target} refused the login: {cause}",
            f"fix the user and password in DATABASE_URL ({DATABASE_URL_FORM})",
        ]
    if isinstance(cause, asyncpg.InvalidCatalogNameError):
        database = target.rsplit("/", 1)[-1]
        return [
            f"PostgreSQL at {target}: {cause}",
            f"create it (createdb {database}) or set DATABASE_URL to an existing database",
        ]
    if isinstance(cause, asyncpg.PostgresError):
        return [f"PostgreSQL at {target} refused the connection: {cause}", "check that server, or DATABASE_URL"]
    if isinstance(cause, ValueError | asyncpg.InterfaceError):
        # asyncpg's own message may quote the URL, password and all.
        return ["DATABASE_URL is not a PostgreSQL URL asyncpg can use", f"write it as {DATABASE_URL_FORM}"]
    if isinstance(cause, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    elif isinstance(cause, socket.gaierror):
        reason = f"unknown host: {cause.strerror}"
    elif isinstance(cause, OSError) and cause.errno and cause.errno > 0:
        # asyncio's "Connect call failed ('127.0.0.1', 1)" hides the reason behind the address.
        reason = os.strerror(cause.errno).lower()
    else:
        reason = str(cause) or type(cause).__name__
    return [
        f"cannot reach PostgreSQL at {target} ({reason})",
        f"start it, or set DATABASE_URL to a running server ({DATABASE_URL_FORM}); unset, an embedded one is used",
    ]
