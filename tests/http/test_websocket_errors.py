"""Every `subscribe` that cannot start is answered with one coded `error`, and logged without a traceback.

The server runs in this process (tests/live_app.py) so caplog sees its log
records; the client is a plain WebSocket speaking graphql-transport-ws.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import asyncpg
import pytest
import websockets

from db import events
from graph.relay.ids import encode_id
from graph.settings import Settings
from tests import factories
from tests.live_app import serving
from tests.ws_client import PROTOCOL

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

MAX_SUBSCRIPTIONS = 2
COMMENT_ADDED = "subscription ($id: ID!) { commentAdded(articleId: $id) { id } }"
ARTICLE_CREATED = "subscription { articleCreated { id } }"
NESTED = "author { articles(first: 1) { nodes { " * 6 + "id" + " } } }" * 6


@pytest.fixture(scope="module")
async def ws_url(settings: Settings) -> AsyncIterator[str]:
    async with serving(settings.model_copy(update={"ws_max_subscriptions": MAX_SUBSCRIPTIONS})) as url:
        yield url


@pytest.fixture
async def ws(ws_url: str) -> AsyncIterator[websockets.ClientConnection]:
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as connection:
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(connection.recv(), 5)) == {"type": "connection_ack"}
        yield connection


async def subscribe(ws, operation_id: str, payload: dict) -> None:
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))


async def received(ws, within: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), within))


async def assert_still_open(ws) -> None:
    """Nothing else arrived for the refused operation (no `complete`), and the socket still answers."""
    await ws.send(json.dumps({"type": "ping"}))
    assert await received(ws) == {"type": "pong"}


def assert_logged_quietly(caplog: pytest.LogCaptureFixture) -> None:
    records = [record for record in caplog.records if record.name != "asyncio"]
    assert len(records) <= 1, [record.getMessage() for record in records]
    assert all(record.levelno < logging.ERROR and record.exc_info is None for record in records), records
    assert "Traceback" not in caplog.text


CASES = {
    "syntax error": ({"query": "subscription {"}, "GRAPHQL_PARSE_FAILED"),
    "unknown field": ({"query": "subscription { nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    "unknown subfield": ({"query": "subscription { articleCreated { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
    "too deep": ({"query": f"subscription {{ articleCreated {{ {NESTED} }} }}"}, "QUERY_TOO_COMPLEX"),
    "too many tokens": ({"query": "subscription { articleCreated { " + "id " * 2100 + "} }"}, "QUERY_TOO_COMPLEX"),
    "too many aliases": (
        {"query": "subscription { articleCreated { " + " ".join(f"a{n}: id" for n in range(25)) + " } }"},
        "QUERY_TOO_COMPLEX",
    ),
    "missing variable": ({"query": COMMENT_ADDED}, "BAD_USER_INPUT"),
    "variable of the wrong shape": (
        {"query": "subscription ($f: ArticleFilter) { articleCreated(filter: $f) { id } }", "variables": {"f": 1}},
        "BAD_USER_INPUT",
    ),
    "unknown article": ({"query": COMMENT_ADDED, "variables": {"id": encode_id("Article", 999999)}}, "BAD_USER_INPUT"),
    "not an ID": ({"query": COMMENT_ADDED, "variables": {"id": "not-an-id"}}, "BAD_USER_INPUT"),
    "ID of another type": ({"query": COMMENT_ADDED, "variables": {"id": encode_id("User", 1)}}, "BAD_USER_INPUT"),
    "unknown operation name": ({"query": ARTICLE_CREATED, "operationName": "Nope"}, "BAD_REQUEST"),
    "several operations, none named": (
        {"query": "subscription A { articleCreated { id } } subscription B { articleCreated { title } }"},
        "BAD_REQUEST",
    ),
    "empty query": ({"query": ""}, "BAD_REQUEST"),
}


@pytest.mark.parametrize(("payload", "code"), CASES.values(), ids=CASES.keys())
async def test_a_subscribe_that_cannot_start_gets_one_coded_error(ws, caplog, payload: dict, code: str) -> None:
    caplog.set_level(logging.INFO)
    await subscribe(ws, "bad", payload)
    message = await received(ws)
    assert message["type"] == "error" and message["id"] == "bad", message
    assert [error["extensions"]["code"] for error in message["payload"]] == [code]
    assert all(error["message"] for error in message["payload"])
    await assert_still_open(ws)
    assert_logged_quietly(caplog)


async def test_subscriptions_beyond_the_per_socket_cap_get_a_coded_error(ws, caplog) -> None:
    caplog.set_level(logging.INFO)
    for n in range(MAX_SUBSCRIPTIONS):
        await subscribe(ws, str(n), {"query": ARTICLE_CREATED})
    await subscribe(ws, "over", {"query": ARTICLE_CREATED})
    message = await received(ws)
    assert message["id"] == "over" and message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
    await assert_still_open(ws)
    assert_logged_quietly(caplog)


async def test_the_socket_keeps_serving_after_a_refused_subscribe(ws, conn: asyncpg.Connection) -> None:
    author = await factories.user(conn, "writer")
    article = await factories.article(conn, author["id"], "Still here")
    await subscribe(ws, "bad", {"query": "subscription {"})
    assert (await received(ws))["type"] == "error"
    await subscribe(ws, "good", {"query": COMMENT_ADDED, "variables": {"id": encode_id("Article", article["id"])}})
    await asyncio.sleep(0.5)  # no acknowledgement says when the subscription is registered
    comment = await factories.comment(conn, article["id"], author["id"], "First!")
    await events.notify_comment_added(conn, comment["id"], article["id"])
    data = {"commentAdded": {"id": encode_id("Comment", comment["id"])}}
    assert await received(ws) == {"id": "good", "type": "next", "payload": {"data": data}}


async def test_reusing_an_operation_id_still_closes_the_socket_with_4409(ws) -> None:
    """The protocol's rule, checked before the limits and the operation: refusing with `error` would hide it."""
    await subscribe(ws, "same", {"query": ARTICLE_CREATED})
    await subscribe(ws, "same", {"query": "subscription A { articleCreated { id } }", "operationName": "B"})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await received(ws)
    assert closed.value.rcvd.code == 4409
