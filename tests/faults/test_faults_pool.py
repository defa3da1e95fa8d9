"""Dropped connections, an exhausted pool and slow statements, on the shared server.

Nothing here stops a server: backends are ended with pg_terminate_backend
and slowness comes from pg_sleep or a row lock held by the test, so the
session database is fine to use.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from urllib.parse import SplitResult, parse_qs, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from db.errors import DatabaseTimeout, DatabaseUnavailable
from db.pool import Database, create_database
from graph.app import create_app
from graph.settings import Settings
from tests.operations import CREATE_ARTICLE, READ_ARTICLES, UPDATE_ARTICLE, article_input, bearer, error_codes, register

SLEEP = 0.6


async def _pool(database_url: str, name: str, **options) -> Database:
    defaults = {
        "min_size": 1,
        "max_size": 2,
        "acquire_timeout": 5.0,
        "command_timeout": 10.0,
        "statement_cache_size": 1024,
        "application_name": name,
    }
    return await create_database(database_url, **(defaults | options))


async def _backends(conn: asyncpg.Connection, name: str, *, active: bool = False) -> list[int]:
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()"
        " AND ($2 = false OR state = 'active')",
        name,
        active,
    )
    return [row["pid"] for row in rows]


async def _terminate_while_running(conn: asyncpg.Connection, name: str, statement) -> tuple[list[int], object]:
    """Start `statement`, end its backend mid-flight; returns the ended pids and what the statement gave."""
    task = asyncio.create_task(statement)
    deadline = time.monotonic() + 5
    while not (busy := await _backends(conn, name, active=True)):
        assert time.monotonic() < deadline, "the statement never started"
        await asyncio.sleep(0.01)
    await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", busy)
    try:
        return busy, await task
    except Exception as error:  # noqa: BLE001 - the caller asserts which error a fault gave
        return busy, error


async def test_a_read_whose_connection_drops_mid_statement_is_retried_once_on_a_fresh_one(
    database_url: str, conn: asyncpg.Connection
) -> None:
    db = await _pool(database_url, "faults-read-retry")
    try:
        ended, result = await _terminate_while_running(
            conn, "faults-read-retry", db.fetchval(f"SELECT 42 FROM pg_sleep({SLEEP})")
        )
        assert result == 42
        assert set(ended).isdisjoint(await _backends(conn, "faults-read-retry")), "the retry reused a dead backend"
    finally:
        await db.close()


async def test_a_write_whose_connection_drops_is_never_retried(database_url: str, conn: asyncpg.Connection) -> None:
    db = await _pool(database_url, "faults-write-no-retry")
    try:
        insert = db.execute(f"INSERT INTO tags (name) SELECT 'dropped' FROM pg_sleep({SLEEP})")
        _, result = await _terminate_while_running(conn, "faults-write-no-retry", insert)
        assert isinstance(result, DatabaseUnavailable)
        assert await conn.fetchval("SELECT count(*) FROM tags") == 0

        async def read_in_a_transaction() -> int:
            async with db.transaction() as tx:
                return await tx.fetchval(f"SELECT 42 FROM pg_sleep({SLEEP})")

        _, result = await _terminate_while_running(conn, "faults-write-no-retry", read_in_a_transaction())
        assert isinstance(result, DatabaseUnavailable), "a statement inside a transaction was retried"
        assert await db.fetchval("SELECT 1") == 1, "the pool did not replace the dropped connection"
    finally:
        await db.close()


async def test_a_transaction_that_meets_a_dead_pooled_connection_at_begin_starts_on_a_fresh_one(
    database_url: str, conn: asyncpg.Connection
) -> None:
    db = await _pool(database_url, "faults-begin", max_size=1)
    try:
        assert await db.fetchval("SELECT 1") == 1
        idle = await _backends(conn, "faults-begin")
        await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", idle)
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO tags (name) VALUES ('after-begin')")
        assert await conn.fetchval("SELECT count(*) FROM tags WHERE name = 'after-begin'") == 1
    finally:
        await db.close()


async def test_a_read_that_keeps_failing_is_tried_twice_then_unavailable(
    database_url: str, conn: asyncpg.Connection
) -> None:
    db = await _pool(database_url, "faults-read-twice", max_size=1)
    try:

        async def kill_every_attempt() -> None:
            for _ in range(2):
                deadline = time.monotonic() + 5
                while not (busy := await _backends(conn, "faults-read-twice", active=True)):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.01)
                await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", busy)
                while set(busy) & set(await _backends(conn, "faults-read-twice")):
                    assert time.monotonic() < deadline + 5
                    await asyncio.sleep(0.01)

        killer = asyncio.create_task(kill_every_attempt())
        with pytest.raises(DatabaseUnavailable):
            await db.fetchval(f"SELECT 42 FROM pg_sleep({SLEEP})")
        await asyncio.wait_for(killer, 5)
    finally:
        await db.close()


async def test_the_api_serves_reads_and_writes_after_its_pooled_backends_are_terminated(
    gql, http: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    token = await register(http, "survivor")
    assert (await gql(READ_ARTICLES)).errors == []
    for _ in range(3):
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'conduit' AND datname = current_database()"
        )
        # The write first: a dead connection met at BEGIN is replaced (nothing was sent yet).
        write = await http.post(
            "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input("after")}, headers=bearer(token)
        )
        assert error_codes(write.json()) == [], write.text
        read = await http.post("/graphql", json={"query": READ_ARTICLES})
        assert error_codes(read.json()) == [], read.text
    assert await conn.fetchval("SELECT count(*) FROM articles WHERE title = 'after'") == 3


# --- an exhausted pool and slow statements, through the API -----------------

ACQUIRE_TIMEOUT = 0.4
COMMAND_TIMEOUT = 1.5


@pytest.fixture(scope="module")
async def small_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("small"),
        pool_min_size=1,
        pool_max_size=2,
        pool_acquire_timeout=ACQUIRE_TIMEOUT,
        command_timeout=COMMAND_TIMEOUT,
        jwt_secret="test-secret-that-is-at-least-32-bytes-long",
    )
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            yield client


async def _article(client: httpx.AsyncClient) -> tuple[str, str]:
    token = await register(client, "locked")
    created = await client.post(
        "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input("Locked")}, headers=bearer(token)
    )
    return token, created.json()["data"]["createArticle"]["article"]["id"]


async def _waiting_on_locks(conn: asyncpg.Connection, count: int) -> None:
    # `conn`, not the locking connection: pg_stat_activity is a snapshot per transaction.
    deadline = time.monotonic() + 5
    while (
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        < count
    ):
        assert time.monotonic() < deadline, f"fewer than {count} statements ever waited on the lock"
        await asyncio.sleep(0.02)


def _rename(client: httpx.AsyncClient, token: str, article_id: str, title: str):
    variables = {"input": {"id": article_id, "title": title}}
    return client.post("/graphql", json={"query": UPDATE_ARTICLE, "variables": variables}, headers=bearer(token))


async def test_an_exhausted_pool_answers_service_unavailable_within_the_acquire_timeout(
    small_app: httpx.AsyncClient, database_url: str, conn: asyncpg.Connection
) -> None:
    token, article_id = await _article(small_app)
    locker = await asyncpg.connect(database_url)
    try:
        lock = locker.transaction()
        await lock.start()
        await locker.execute("SELECT 1 FROM articles FOR UPDATE")
        # Both pooled connections wait on the lock inside their transactions.
        holders = [asyncio.create_task(_rename(small_app, token, article_id, f"Renamed {n}")) for n in range(2)]
        await _waiting_on_locks(conn, 2)

        started = time.monotonic()
        starved = await small_app.post("/graphql", json={"query": READ_ARTICLES})
        waited = time.monotonic() - started
        await lock.rollback()

        assert error_codes(starved.json()) == ["SERVICE_UNAVAILABLE"]
        assert ACQUIRE_TIMEOUT <= waited < ACQUIRE_TIMEOUT + 0.5, f"answered after {waited:.2f} s"
        for holder in holders:
            response = await holder
            assert error_codes(response.json()) == [], response.text
            assert response.json()["data"]["updateArticle"]["article"]["title"].startswith("Renamed")
    finally:
        await locker.close()
    recovered = await small_app.post("/graphql", json={"query": READ_ARTICLES})
    assert error_codes(recovered.json()) == []


async def test_a_statement_past_the_timeout_is_service_unavailable_and_changes_nothing(
    small_app: httpx.AsyncClient, database_url: str, conn: asyncpg.Connection
) -> None:
    token, article_id = await _article(small_app)
    locker = await asyncpg.connect(database_url)
    try:
        lock = locker.transaction()
        await lock.start()
        await locker.execute("SELECT 1 FROM articles FOR UPDATE")
        started = time.monotonic()
        response = await _rename(small_app, token, article_id, "Too late")
        waited = time.monotonic() - started
        await lock.rollback()
    finally:
        await locker.close()
    assert response.status_code == 200
    assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
    assert COMMAND_TIMEOUT <= waited < COMMAND_TIMEOUT + 1.0, f"answered after {waited:.2f} s"
    assert await conn.fetchval("SELECT title FROM articles") == "Locked"
    # PostgreSQL itself stopped waiting (statement_timeout), so nothing is left running.
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        == 0
    )


@pytest.mark.parametrize("server_side", [True, False], ids=["statement_timeout", "command_timeout_only"])
async def test_a_timed_out_statement_leaves_its_connection_usable(
    database_url: str, conn: asyncpg.Connection, server_side: bool
) -> None:
    name = f"faults-timeout-{server_side}"
    db = await _pool(database_url, name, max_size=1, command_timeout=0.5, statement_timeout=0.3 if server_side else 0)
    try:
        before = await db.fetchval("SELECT pg_backend_pid()")
        started = time.monotonic()
        with pytest.raises(DatabaseTimeout) as raised:
            await db.fetchval("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 1.5
        expected = asyncpg.exceptions.QueryCanceledError if server_side else TimeoutError
        assert isinstance(raised.value.__cause__, expected)
        assert await db.fetchval("SELECT pg_backend_pid()") == before, "the timed-out connection was replaced"
        assert await _backends(conn, name, active=True) == [], "the slow statement still runs on the server"
    finally:
        await db.close()


async def _open_upstream(target: SplitResult) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the server `target` names: TCP, or the Unix socket of an embedded server (`?host=/dir`)."""
    socket_dir = parse_qs(target.query).get("host", [""])[0]
    port = target.port or 5432
    if socket_dir.startswith("/"):
        return await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
    return await asyncio.open_connection(target.hostname, port)


async def test_reopening_an_idle_connection_gives_up_within_the_acquire_timeout(database_url: str) -> None:
    """A borrow that finds an idle connection waits on no clock of its own (db/pool.py); when that
    connection must be reopened and the server stops answering, the connect timeout still bounds it."""
    target = urlsplit(database_url)
    answering = True

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not answering:
            await reader.read()  # a black hole: holds the socket until the client gives up
            writer.close()
            return
        up_reader, up_writer = await _open_upstream(target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    user = target.username or "postgres"
    through_proxy = urlunsplit(target._replace(netloc=f"{user}@127.0.0.1:{port}", query=""))
    db = await _pool(through_proxy, "reopen_timeout", acquire_timeout=0.5)
    try:
        assert await db.fetchval("SELECT 1") == 1
        assert db.pool.get_idle_size() == 1
        answering = False
        await db.pool.expire_connections()  # the idle connection must be reopened on its next borrow
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            await db.fetchval("SELECT 1")
        waited = time.monotonic() - started
        assert 0.5 <= waited < 1.5, f"gave up after {waited:.2f} s"
    finally:
        db.pool.terminate()
        server.close()


async def test_borrowers_waiting_for_a_connection_are_served_in_arrival_order(database_url: str) -> None:
    """Waiting is first come first served (db/pool.py): a borrower arriving while others wait queues behind them."""
    db = await _pool(database_url, "fair_order", min_size=1, max_size=1)
    served: list[int] = []

    async def borrower(n: int) -> None:
        served.append(await db.fetchval("SELECT $1::int FROM pg_sleep(0.01)", n))

    try:
        tasks = []
        for n in range(40):
            tasks.append(asyncio.create_task(borrower(n)))
            await asyncio.sleep(0.004)  # arrivals keep coming while the one connection is busy
        await asyncio.gather(*tasks)
    finally:
        await db.close()
    assert served == sorted(served)
