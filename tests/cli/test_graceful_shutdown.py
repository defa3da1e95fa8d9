"""SIGTERM: stop accepting, let in-flight requests finish (bounded by SHUTDOWN_TIMEOUT), close the pool.

A real server process; the in-flight request is made slow by a row lock the
test holds, so it is in the middle of its transaction when the signal lands.
"""

import asyncio
import signal
import subprocess
import time

import asyncpg
import httpx
import pytest

from tests.operations import CREATE_ARTICLE, UPDATE_ARTICLE, article_input, bearer, error_codes, register
from tests.servers import Server, start_server

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)


async def _locked_update(server: Server, conn: asyncpg.Connection, database_url: str, client: httpx.AsyncClient):
    """An updateArticle waiting on a row lock; returns (its task, the lock's transaction and connection)."""
    token = await register(client, f"shutdown{server.port}")
    created = await client.post(
        "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input("Before")}, headers=bearer(token)
    )
    article_id = created.json()["data"]["createArticle"]["article"]["id"]
    locker = await asyncpg.connect(database_url)
    lock = locker.transaction()
    await lock.start()
    await locker.execute("SELECT 1 FROM articles FOR UPDATE")
    variables = {"input": {"id": article_id, "title": "After"}}
    update = asyncio.create_task(
        client.post("/graphql", json={"query": UPDATE_ARTICLE, "variables": variables}, headers=bearer(token))
    )
    deadline = time.monotonic() + 5
    while not await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ):
        assert time.monotonic() < deadline, "the update never reached the lock"
        await asyncio.sleep(0.02)
    return update, lock, locker


async def _refuses_connections(server: Server, within: float) -> bool:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=server.url, timeout=1) as fresh:
        while time.monotonic() < deadline:
            try:
                await fresh.get("/healthz")
            except httpx.ConnectError:
                return True
            await asyncio.sleep(0.05)
    return False


async def _exited(server: Server, within: float) -> int | None:
    try:
        return await asyncio.to_thread(server.process.wait, within)
    except subprocess.TimeoutExpired:
        return None


async def test_sigterm_lets_an_in_flight_mutation_finish_then_exits(
    database_url: str, conn: asyncpg.Connection, tmp_path: pytest.TempPathFactory
) -> None:
    server = start_server(database_url, tmp_path, env={"SHUTDOWN_TIMEOUT": "10"})
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=15) as client:
            update, lock, locker = await _locked_update(server, conn, database_url, client)
            server.process.send_signal(signal.SIGTERM)
            assert await _refuses_connections(server, within=3), "new connections were still accepted"
            assert server.process.poll() is None, "the server quit with a request in flight"
            await lock.rollback()
            await locker.close()
            response = await update
        assert response.status_code == 200
        assert error_codes(response.json()) == []
        assert response.json()["data"]["updateArticle"]["article"]["title"] == "After"
        assert await conn.fetchval("SELECT title FROM articles") == "After"
        assert await _exited(server, within=10) in (0, -signal.SIGTERM)
        log = server.output()
        # The lifespan's shutdown (which closes the pool) ran after the request finished.
        assert "Application shutdown complete" in log and "Traceback" not in log
    finally:
        server.stop()


async def test_sigterm_cancels_what_outlasts_the_shutdown_timeout_and_commits_nothing_of_it(
    database_url: str, conn: asyncpg.Connection, tmp_path: pytest.TempPathFactory
) -> None:
    server = start_server(database_url, tmp_path, env={"SHUTDOWN_TIMEOUT": "1"})
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=15) as client:
            update, lock, locker = await _locked_update(server, conn, database_url, client)
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            exit_code = await _exited(server, within=8)
            took = time.monotonic() - signalled
            await lock.rollback()
            await locker.close()
            with pytest.raises(httpx.HTTPError):
                (await update).raise_for_status()
        assert exit_code in (0, -signal.SIGTERM)
        assert 1.0 <= took < 4.0, f"exited {took:.1f} s after SIGTERM with SHUTDOWN_TIMEOUT=1"
        assert "timeout graceful shutdown exceeded" in server.output()
        assert await conn.fetchval("SELECT title FROM articles") == "Before"
    finally:
        server.stop()
