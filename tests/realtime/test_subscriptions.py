"""Subscriptions over graphql-transport-ws against real server processes sharing one database.

Writes go through one process over HTTP; subscribers listen on the other, so
every delivery here crossed PostgreSQL's NOTIFY between processes.
"""

import asyncio

import asyncpg
import httpx
import pytest
import websockets
from gql.transport.exceptions import TransportQueryError

from db import events
from graph.relay.ids import encode_id
from tests import factories
from tests.conftest import TABLES
from tests.servers import TEST_SECRET, running_servers
from tests.ws_client import PROTOCOL, socket

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

ARTICLE_CREATED = """
subscription Created($filter: ArticleFilter) {
  articleCreated(filter: $filter) { id title tags author { username viewerIsFollowing } }
}
"""
COMMENT_ADDED = """
subscription Added($articleId: ID!) { commentAdded(articleId: $articleId) { id body author { username } } }
"""
CREATE_ARTICLE = """
mutation Create($input: CreateArticleInput!) { createArticle(input: $input) { article { id } errors { message } } }
"""
ADD_COMMENT = """
mutation Add($input: AddCommentInput!) { addComment(input: $input) { comment { id } errors { message } } }
"""


@pytest.fixture(autouse=True)
async def clean_tables(conn: asyncpg.Connection) -> None:
    """Without RESTART IDENTITY: the servers' listeners outlive a test and drop ids they already delivered."""
    await conn.execute(f"TRUNCATE {TABLES} CASCADE")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    # A slow first reconnect makes the listener's gap wide enough to write into.
    env = {"LISTENER_RECONNECT_DELAY": "0.5"}
    with running_servers(database_url, tmp_path_factory.mktemp("ws"), 2, env=env) as pair:
        yield pair


@pytest.fixture
def listening(servers):
    return servers[0]


@pytest.fixture
def writing(servers):
    return servers[1]


def token_for(user) -> str:
    from graph.auth.tokens import Tokens

    return Tokens(TEST_SECRET.encode(), 3600).issue(user["id"], 0)


async def post(server, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def create_article(server, token: str, title: str, tags: list[str] = ()) -> str:
    variables = {"input": {"title": title, "description": "d", "body": "b", "tags": list(tags)}}
    data = await post(server, CREATE_ARTICLE, variables, token)
    assert data["createArticle"]["errors"] == []
    return data["createArticle"]["article"]["id"]


async def add_comment(server, token: str, article_id: str, body: str) -> str:
    data = await post(server, ADD_COMMENT, {"input": {"articleId": article_id, "body": body}}, token)
    assert data["addComment"]["errors"] == []
    return data["addComment"]["comment"]["id"]


@pytest.fixture
async def author(conn: asyncpg.Connection):
    row = await factories.user(conn, "writer")
    return row, token_for(row)


async def test_an_article_created_through_one_process_reaches_a_subscriber_on_the_other(
    listening, writing, author
) -> None:
    _, token = author
    async with socket(listening.ws_url) as ws:
        created = await ws.subscribe(ARTICLE_CREATED)
        article_id = await create_article(writing, token, "Across processes", ["dragons"])
        result = await created.next()
    assert result == {
        "articleCreated": {
            "id": article_id,
            "title": "Across processes",
            "tags": ["dragons"],
            "author": {"username": "writer", "viewerIsFollowing": False},
        }
    }


async def test_the_filter_decides_which_articles_a_subscriber_gets(listening, writing, author) -> None:
    _, token = author
    async with socket(listening.ws_url) as ws:
        dragons = await ws.subscribe(ARTICLE_CREATED, {"filter": {"tag": "dragons"}})
        by_nobody = await ws.subscribe(ARTICLE_CREATED, {"filter": {"authorUsername": "nobody"}})
        await create_article(writing, token, "About cats", ["cats"])
        wanted = await create_article(writing, token, "About dragons", ["dragons", "cats"])
        assert (await dragons.next())["articleCreated"]["id"] == wanted
        assert await by_nobody.nothing_within(0.5)
        assert await dragons.nothing_within(0.3)


async def test_two_subscriptions_share_one_socket(listening, writing, author, conn) -> None:
    _, token = author
    other = await factories.article(conn, author[0]["id"], "Elsewhere")
    async with socket(listening.ws_url) as ws:
        created = await ws.subscribe(ARTICLE_CREATED)
        article_id = await create_article(writing, token, "Commented on")
        assert (await created.next())["articleCreated"]["id"] == article_id

        comments = await ws.subscribe(COMMENT_ADDED, {"articleId": article_id})
        await add_comment(writing, token, encode_id("Article", other["id"]), "not this one")
        comment_id = await add_comment(writing, token, article_id, "First!")
        assert await comments.next() == {
            "commentAdded": {"id": comment_id, "body": "First!", "author": {"username": "writer"}}
        }
        assert await comments.nothing_within(0.3)
        assert await created.nothing_within(0.1)


async def test_each_subscriber_sees_the_row_with_its_own_viewer(listening, writing, author, conn) -> None:
    author_row, token = author
    fan = await factories.user(conn, "fan")
    await conn.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", fan["id"], author_row["id"])
    async with socket(listening.ws_url, token_for(fan)) as signed_in, socket(listening.ws_url) as anonymous:
        as_fan = await signed_in.subscribe(ARTICLE_CREATED, settle=False)
        as_nobody = await anonymous.subscribe(ARTICLE_CREATED)
        await create_article(writing, token, "Followed")
        assert (await as_fan.next())["articleCreated"]["author"]["viewerIsFollowing"] is True
        assert (await as_nobody.next())["articleCreated"]["author"]["viewerIsFollowing"] is False


async def test_a_rolled_back_write_never_notifies(listening, writing, author, conn) -> None:
    author_row, token = author
    async with socket(listening.ws_url) as ws:
        created = await ws.subscribe(ARTICLE_CREATED)
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                row = await factories.article(conn, author_row["id"], "Never committed")
                await events.notify_article_created(conn, row["id"])
                raise RuntimeError("roll back")
        committed = await create_article(writing, token, "Committed")
        assert (await created.next())["articleCreated"]["id"] == committed
        assert await created.nothing_within(0.3)


async def test_events_during_a_lost_listener_connection_are_replayed_once(listening, writing, author, conn) -> None:
    author_row, token = author
    async with socket(listening.ws_url) as ws:
        created = await ws.subscribe(ARTICLE_CREATED)
        before = await create_article(writing, token, "Before the cut")
        assert (await created.next())["articleCreated"]["id"] == before

        terminated = await conn.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
               WHERE application_name = 'conduit-listener' AND datname = current_database()"""
        )
        assert terminated >= 2  # both servers' listeners (and the test app's)
        # Written while no listener is connected: no process hears these NOTIFYs.
        during = [await create_article(writing, token, f"During the cut {n}") for n in range(3)]
        received = [(await created.next(within=15))["articleCreated"]["id"] for _ in during]
        assert received == during

        after = await create_article(writing, token, "After the cut")
        assert (await created.next())["articleCreated"]["id"] == after
        assert await created.nothing_within(0.3)
    assert "replayed" in listening.output()


async def test_comment_added_on_an_unknown_article_is_bad_user_input(listening) -> None:
    async with socket(listening.ws_url) as ws:
        missing = await ws.subscribe(COMMENT_ADDED, {"articleId": encode_id("Article", 999999)}, settle=False)
        with pytest.raises(TransportQueryError) as raised:
            await missing.next()
        assert raised.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        garbage = await ws.subscribe(COMMENT_ADDED, {"articleId": "not-an-id"}, settle=False)
        with pytest.raises(TransportQueryError) as raised:
            await garbage.next()
        assert raised.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_invalid_subscription_document_gets_a_validation_code(listening) -> None:
    async with socket(listening.ws_url) as ws:
        subscription = await ws.subscribe("subscription { articleCreated { nope } }", settle=False)
        with pytest.raises(TransportQueryError) as raised:
            await subscription.next()
        assert raised.value.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_bad_token_in_connection_init_closes_the_socket_with_4403(listening) -> None:
    for token in ("not-a-token", token_for({"id": 424242})):
        async with websockets.connect(listening.ws_url, subprotocols=[PROTOCOL]) as ws:
            await ws.send('{"type": "connection_init", "payload": {"authorization": "Bearer ' + token + '"}}')
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd.code == 4403


async def test_a_good_token_is_acknowledged(listening, author) -> None:
    _, token = author
    async with websockets.connect(listening.ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send('{"type": "connection_init", "payload": {"authorization": "Bearer ' + token + '"}}')
        assert await asyncio.wait_for(ws.recv(), 5) == '{"type":"connection_ack"}'


async def test_origins_in_development_allow_localhost_and_refuse_others(listening) -> None:
    async with websockets.connect(listening.ws_url, subprotocols=[PROTOCOL], origin="http://localhost:5173") as ws:
        assert ws.subprotocol == PROTOCOL
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(listening.ws_url, subprotocols=[PROTOCOL], origin="https://evil.example")
    assert refused.value.response.status_code == 403
