"""A live subscription holds its memory flat however many events it receives.

The server runs in this process (uvicorn on a real socket, so the WebSocket
stack is the production one) because tracemalloc can only see this process's
allocations. Events reach it through PostgreSQL's NOTIFY, as in production.
"""

import asyncio
import json
import tracemalloc
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

EVENTS = 3000
# Tracing starts well before the first snapshot: the hub keeps the scopes of
# its last 256 events (graph/realtime/hub.py), and the ones the measured
# events push out must be traced ones, or their replacements look like growth.
TRACED_FROM = 500
MEASURED_FROM = 1000
BATCH = 50  # NOTIFYs per transaction: well inside the subscriber's buffer
# The leak this guards against held ~1.5 KB per event (3 MB over the 2,000
# measured events); what an event may leave behind for good is nothing, and
# the bound leaves room for the allocator's and the event loop's noise.
GROWTH_BOUND = 300_000
# The listener remembers the ids it delivered for a minute (its replay
# dedupe, db/listener.py): bounded by time, shared by every subscriber.
NOT_PER_SUBSCRIPTION = [
    tracemalloc.Filter(False, "*/db/listener.py", all_frames=True),
    tracemalloc.Filter(False, tracemalloc.__file__),
]
NOTIFY_MANY = "SELECT count(pg_notify($1, payload)) FROM unnest($2::text[]) AS payload"


@pytest.fixture
async def ws_url(settings: Settings) -> AsyncIterator[str]:
    async with serving(settings) as url:
        yield url


async def receive_next(ws, count: int) -> None:
    for _ in range(count):
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next" and "errors" not in message["payload"], message


async def test_memory_stays_flat_over_thousands_of_events(ws_url: str, conn: asyncpg.Connection) -> None:
    author = await factories.user(conn, "writer")
    article = await factories.article(conn, author["id"], "Busy")
    comment_ids = await conn.fetch(
        """INSERT INTO comments (article_id, author_id, body)
           SELECT $1, $2, 'comment ' || n FROM generate_series(1, $3) AS n RETURNING id""",
        article["id"],
        author["id"],
        EVENTS,
    )
    payloads = [events.Event("comment", row["id"], article["id"]).payload() for row in comment_ids]
    query = "subscription ($id: ID!) { commentAdded(articleId: $id) { id body author { username } } }"
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        variables = {"id": encode_id("Article", article["id"])}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
        await asyncio.sleep(0.5)  # no acknowledgement says when the subscription is registered

        before = None
        for start in range(0, EVENTS, BATCH):
            if start == TRACED_FROM:
                tracemalloc.start(4)
            if start == MEASURED_FROM:
                before = tracemalloc.take_snapshot()
            await conn.fetchval(NOTIFY_MANY, events.CHANNEL, payloads[start : start + BATCH])
            await receive_next(ws, BATCH)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()

    assert before is not None
    changes = after.filter_traces(NOT_PER_SUBSCRIPTION).compare_to(before.filter_traces(NOT_PER_SUBSCRIPTION), "lineno")
    growth = sum(change.size_diff for change in changes)
    largest = "\n".join(str(change) for change in changes[:5])
    assert growth < GROWTH_BOUND, f"{growth} bytes over {EVENTS - MEASURED_FROM} events; largest:\n{largest}"
