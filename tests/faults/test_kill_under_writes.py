"""kill -9 of the server in the middle of a stream of writes: every acknowledged write is there afterwards.

A write is acknowledged when its response says it succeeded; by then its
transaction has committed, so no crash of the API process may lose it. Writes
in flight when the process dies may or may not have committed (their client
saw no answer), but none may be half-written: each comment that exists is
whole and belongs to the writer.
"""

import asyncio
import signal
import time

import asyncpg
import httpx
import pytest

from tests.operations import CREATE_ARTICLE, article_input, bearer, error_codes, register
from tests.servers import start_server

ADD_COMMENT = """
mutation ($input: AddCommentInput!) {
  addComment(input: $input) { comment { id body } errors { code } }
}
"""
WRITERS = 4


async def _write_until_refused(client: httpx.AsyncClient, token: str, article_id: str, writer: int) -> list[str]:
    """Comments this writer saw acknowledged, until the server stops answering."""
    acknowledged = []
    for n in range(10_000):
        body = f"writer {writer} comment {n}"
        variables = {"input": {"articleId": article_id, "body": body}}
        try:
            response = await client.post(
                "/graphql", json={"query": ADD_COMMENT, "variables": variables}, headers=bearer(token)
            )
        except httpx.TransportError:
            return acknowledged
        payload = response.json()
        assert error_codes(payload) == [], payload
        assert payload["data"]["addComment"]["errors"] == []
        acknowledged.append(payload["data"]["addComment"]["comment"]["body"])
    return acknowledged


async def test_kill_9_loses_no_acknowledged_write(
    database_url: str, conn: asyncpg.Connection, tmp_path: pytest.TempPathFactory
) -> None:
    server = start_server(database_url, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            token = await register(client, "crashwriter")
            created = await client.post(
                "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input("Crash")}, headers=bearer(token)
            )
            article_id = created.json()["data"]["createArticle"]["article"]["id"]
            writers = [
                asyncio.create_task(_write_until_refused(client, token, article_id, writer))
                for writer in range(WRITERS)
            ]
            # Let the writes get going, so the kill lands with several in flight.
            deadline = time.monotonic() + 30
            while await conn.fetchval("SELECT count(*) FROM comments") < 50:
                assert time.monotonic() < deadline, "the writers never got going"
                await asyncio.sleep(0.02)
            server.process.send_signal(signal.SIGKILL)
            acknowledged = [body for batch in await asyncio.gather(*writers) for body in batch]
        assert server.process.wait(10) == -signal.SIGKILL

        stored = {row["body"]: row for row in await conn.fetch("SELECT body, author_id, article_id FROM comments")}
        assert len(acknowledged) >= 50
        assert set(acknowledged) <= set(stored), "an acknowledged comment is missing"
        # At most the writes in flight at the kill committed without their answer arriving.
        assert len(stored) - len(acknowledged) <= WRITERS
        assert len({(row["author_id"], row["article_id"]) for row in stored.values()}) == 1

        # A new process serves the same data: nothing was left locked or half-done.
        restarted = start_server(database_url, tmp_path)
        try:
            async with httpx.AsyncClient(base_url=restarted.url, timeout=10) as client:
                response = await client.get("/graphql", params={"query": "{ articles(first: 1) { totalCount } }"})
            assert response.json() == {"data": {"articles": {"totalCount": 1}}}
        finally:
            restarted.stop()
    finally:
        server.stop()
