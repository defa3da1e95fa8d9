"""Subscription events answered by the planner: the general path's answers, one shared statement per event.

Most tests run subscriptions in this process through the schema, on a hub
with the planner (as PLANNED_EXECUTION=true builds it) and on one without
(PLANNED_EXECUTION=false), and publish events into the hubs by hand, so each
subscriber's context counts the statements it sent (db/pool.py's counter);
a statement shared by several subscribers is counted once, by the one that
ran it. The last tests go through a served app's WebSocket.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import asyncpg
import httpx
import orjson
import pytest
import websockets

from db.events import Event
from db.pool import Database
from graph.auth.viewer import ViewerIdentity
from graph.cli import path_report
from graph.observability.paths import GENERAL, PLANNED
from graph.planned import PlannedExecution
from graph.planned.json_sql import MAX_KEYS
from graph.realtime.hub import EventHub
from graph.relay.ids import encode_id
from graph.schema.build import schema
from graph.schema.context import Context
from graph.settings import Settings
from tests import factories
from tests.apps import client_with
from tests.live_app import serving
from tests.ws_client import PROTOCOL

pytestmark = pytest.mark.slow  # its last tests start servers (tests/markers.py)

COMMENT_ADDED = """
subscription Added($articleId: ID!, $withArticle: Boolean!) {
  added: commentAdded(articleId: $articleId) {
    __typename id body createdAt
    author { ...Person }
    article @include(if: $withArticle) {
      slug title tags favoritesCount
      comments(first: 2) { totalCount edges { cursor node { body } } pageInfo { hasNextPage endCursor } }
    }
  }
}
fragment Person on User { username bio followersCount articles(first: 1) { totalCount } }
"""
ARTICLE_CREATED = """
subscription Created($filter: ArticleFilter) {
  articleCreated(filter: $filter) { id title tags author { username } }
}
"""
# Viewer fields at two levels: each subscriber's answer is its own.
ARTICLE_CREATED_FOR_VIEWER = """
subscription CreatedForMe {
  articleCreated { title viewerHasFavorited author { username viewerIsFollowing } }
}
"""


def ordered(data) -> list:
    """A response's `data` as JSON with key order kept, whichever path built it (dicts or PostgreSQL's text)."""
    return json.loads(orjson.dumps(data), object_pairs_hook=list)


class Subscriber:
    """One subscription run through the schema, with its own context (as each WebSocket operation has).

    One task reads the stream for its whole life, as the WebSocket handler's operation task does.
    """

    def __init__(self, stream: AsyncIterator, context: Context) -> None:
        self.context = context
        self.results: asyncio.Queue = asyncio.Queue()
        self.reading = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: AsyncIterator) -> None:
        async for result in stream:
            await self.results.put(result)

    async def next(self):
        result = await asyncio.wait_for(self.results.get(), 5)
        assert not result.errors, result.errors
        return result.data


async def subscribe(hub: EventHub, db: Database, settings: Settings, query: str, variables=None, viewer=None):
    identity = ViewerIdentity(viewer["id"]) if viewer is not None else None
    context = Context(db=db, settings=settings, viewer=identity, events=hub)
    stream = await schema.subscribe(query, variable_values=variables, context_value=context)
    return Subscriber(stream, context)


async def listening(hub: EventHub, count: int) -> None:
    """The stream's generator registers with the hub on its first iteration: wait until all have."""
    for _ in range(200):
        if hub.open_streams >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{hub.open_streams} of {count} subscriptions listening")


def statements(subscribers: list[Subscriber]) -> int:
    return sum(subscriber.context.statements.value for subscriber in subscribers)


async def close(subscribers: list[Subscriber]) -> None:
    for subscriber in subscribers:
        subscriber.reading.cancel()
    await asyncio.gather(*(subscriber.reading for subscriber in subscribers), return_exceptions=True)


@pytest.fixture
def hubs() -> dict[str, EventHub]:
    return {"planned": EventHub(planned=PlannedExecution(schema)), "general": EventHub()}


@pytest.fixture
async def article(conn: asyncpg.Connection):
    author = await factories.user(conn, "writer", bio="Writes.")
    row = await factories.article(conn, author["id"], "Busy", tags=("b", "a"))
    for n in range(3):
        await factories.comment(conn, row["id"], author["id"], f"earlier {n}")
    return row


@pytest.mark.parametrize("with_article", [True, False])
async def test_an_event_answered_by_the_planner_equals_the_general_paths(
    hubs, db, settings, conn, article, with_article
) -> None:
    variables = {"articleId": encode_id("Article", article["id"]), "withArticle": with_article}
    subscribers = {path: await subscribe(hub, db, settings, COMMENT_ADDED, variables) for path, hub in hubs.items()}
    for hub in hubs.values():
        await listening(hub, 1)
    assert subscribers["planned"].context.answered_by == PLANNED
    assert subscribers["general"].context.answered_by == GENERAL
    for n in range(2):
        comment = await factories.comment(conn, article["id"], article["author_id"], f"new {n}")
        for hub in hubs.values():
            hub.publish(Event("comment", comment["id"], article["id"]))
        planned, general = [await subscribers[path].next() for path in ("planned", "general")]
        assert isinstance(planned["added"], orjson.Fragment)  # PostgreSQL's JSON text, passed through
        assert ordered(planned) == ordered(general)
        assert general["added"]["body"] == f"new {n}"
        assert ("article" in general["added"]) is with_article
    await close(list(subscribers.values()))


async def test_subscribers_of_one_document_share_one_statement_per_event(hubs, db, settings, conn, article) -> None:
    hub = hubs["planned"]
    variables = {"articleId": encode_id("Article", article["id"]), "withArticle": True}
    subscribers = [await subscribe(hub, db, settings, COMMENT_ADDED, variables) for _ in range(5)]
    viewer = await factories.user(conn, "reader")
    # Signed in, but nothing in the selection is the viewer's: the same statement, shared.
    subscribers.append(await subscribe(hub, db, settings, COMMENT_ADDED, variables, viewer))
    await listening(hub, 6)
    for n in range(3):
        before = statements(subscribers)
        comment = await factories.comment(conn, article["id"], article["author_id"], f"new {n}")
        hub.publish(Event("comment", comment["id"], article["id"]))
        answers = [await subscriber.next() for subscriber in subscribers]
        assert statements(subscribers) - before == 1
        assert len({orjson.dumps(answer) for answer in answers}) == 1
        assert json.loads(orjson.dumps(answers[0]))["added"]["body"] == f"new {n}"
    await close(subscribers)


async def test_the_general_path_loads_each_event_in_a_few_statements_for_all_subscribers(
    hubs, db, settings, conn, article
) -> None:
    """The baseline the planner is measured against: shared loaders, one statement per field level and batch."""
    hub = hubs["general"]
    variables = {"articleId": encode_id("Article", article["id"]), "withArticle": True}
    subscribers = [await subscribe(hub, db, settings, COMMENT_ADDED, variables) for _ in range(5)]
    await listening(hub, 5)
    before = statements(subscribers)
    comment = await factories.comment(conn, article["id"], article["author_id"], "new")
    hub.publish(Event("comment", comment["id"], article["id"]))
    for subscriber in subscribers:
        await subscriber.next()
    assert statements(subscribers) - before > 1
    await close(subscribers)


async def test_viewer_dependent_selections_are_answered_per_viewer_and_not_shared(hubs, db, settings, conn) -> None:
    author = await factories.user(conn, "writer")
    fan, stranger = await factories.user(conn, "fan"), await factories.user(conn, "stranger")
    await factories.follow(conn, fan["id"], author["id"])
    viewers = [fan, stranger, None]
    subscribers = {
        path: [await subscribe(hub, db, settings, ARTICLE_CREATED_FOR_VIEWER, None, viewer) for viewer in viewers]
        for path, hub in hubs.items()
    }
    for hub in hubs.values():
        await listening(hub, len(viewers))
    row = await factories.article(conn, author["id"], "Fresh")
    await factories.favorite(conn, fan["id"], row["id"])
    before = statements(subscribers["planned"])
    for hub in hubs.values():
        hub.publish(Event("article", row["id"], row["id"]))
    answers = {path: [await s.next() for s in subscribers[path]] for path in hubs}
    # One statement per signed-in viewer; the anonymous one (no viewer in it) is a third.
    assert statements(subscribers["planned"]) - before == 3
    for planned, general in zip(answers["planned"], answers["general"], strict=True):
        assert ordered(planned) == ordered(general)
    seen = [json.loads(orjson.dumps(answer))["articleCreated"] for answer in answers["planned"]]
    assert [(a["viewerHasFavorited"], a["author"]["viewerIsFollowing"]) for a in seen] == [
        (True, True),
        (False, False),
        (False, False),
    ]
    await close([s for group in subscribers.values() for s in group])


async def test_filters_and_vanished_rows_are_the_same_on_both_paths(hubs, db, settings, conn) -> None:
    author = await factories.user(conn, "writer")
    variables = {"filter": {"tag": "go"}}
    subscribers = {path: await subscribe(hub, db, settings, ARTICLE_CREATED, variables) for path, hub in hubs.items()}
    for hub in hubs.values():
        await listening(hub, 1)
    other = await factories.article(conn, author["id"], "Other", tags=("rust",))
    wanted = await factories.article(conn, author["id"], "Wanted", tags=("go",))
    for hub in hubs.values():
        hub.publish(Event("article", 10**9, 10**9))  # no such row: deleted before it was read
        hub.publish(Event("article", other["id"], other["id"]))  # not the filter's
        hub.publish(Event("article", wanted["id"], wanted["id"]))
    planned, general = [await subscribers[path].next() for path in ("planned", "general")]
    assert ordered(planned) == ordered(general)
    assert general["articleCreated"]["title"] == "Wanted"
    await close(list(subscribers.values()))


async def test_a_selection_with_many_condition_variables_is_planned_too(hubs, db, settings, conn) -> None:
    # Any number of condition variables: the plan cache keeps the combinations used last (graph/planned/conditions.py).
    names = [f"c{n}" for n in range(6)]
    header = ", ".join(f"${name}: Boolean!" for name in names)
    fields = " ".join(f"f{n}: title @include(if: ${name})" for n, name in enumerate(names))
    query = f"subscription Many({header}) {{ articleCreated {{ id {fields} }} }}"
    hub = hubs["planned"]
    subscriber = await subscribe(hub, db, settings, query, dict.fromkeys(names, True))
    await listening(hub, 1)
    assert subscriber.context.answered_by == PLANNED
    author = await factories.user(conn, "writer")
    row = await factories.article(conn, author["id"], "Plain")
    hub.publish(Event("article", row["id"], row["id"]))
    data = await subscriber.next()
    assert json.loads(orjson.dumps(data))["articleCreated"]["f5"] == "Plain"
    await close([subscriber])


@pytest.mark.parametrize("planned", [True, False])
async def test_over_the_websocket_events_queries_and_paths_are_counted(
    settings: Settings, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture, planned: bool
) -> None:
    author = await factories.user(conn, "writer")
    row = await factories.article(conn, author["id"], "Busy")
    path = PLANNED if planned else GENERAL
    served = settings.model_copy(update={"planned_execution": planned})
    caplog.set_level(logging.INFO, logger="graph.request")
    async with serving(served) as url, websockets.connect(url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        query = "subscription On($id: ID!) { commentAdded(articleId: $id) { body author { username } } }"
        variables = {"id": encode_id("Article", row["id"])}
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
        await asyncio.sleep(0.5)  # no acknowledgement says when the subscription is registered
        async with conn.transaction():
            comment = await factories.comment(conn, row["id"], author["id"], "Hello")
            await conn.execute(
                "SELECT pg_notify('conduit_events', $1)", Event("comment", comment["id"], row["id"]).payload()
            )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message == {
            "id": "s",
            "type": "next",
            "payload": {"data": {"commentAdded": {"body": "Hello", "author": {"username": "writer"}}}},
        }
        read = "query Title($slug: String!) { article(slug: $slug) { title } }"
        await ws.send(
            json.dumps({"id": "q", "type": "subscribe", "payload": {"query": read, "variables": {"slug": row["slug"]}}})
        )
        assert json.loads(await ws.recv()) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"article": {"title": "Busy"}}},
        }
        assert json.loads(await ws.recv()) == {"id": "q", "type": "complete"}
        await ws.send(json.dumps({"id": "s", "type": "complete"}))
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as http:
            exposition = (await http.get(url.replace("ws://", "http://").replace("/graphql", "/metrics"))).text
    counted = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in exposition.splitlines()
        if line.startswith("graphql_operations_by_path_total{")
    }
    # Counters are per process and tests share it: each kind must have moved on this path.
    assert counted.get(f'graphql_operations_by_path_total{{path="{path}",type="subscription"}}', 0) >= 1
    assert counted.get(f'graphql_operations_by_path_total{{path="{path}",type="subscription_event"}}', 0) >= 1
    assert counted.get(f'graphql_operations_by_path_total{{path="{path}",type="query"}}', 0) >= 1
    lines = [record.fields for record in caplog.records if record.name == "graph.request"]
    by_operation = {fields["operation"]: fields for fields in lines if fields.get("method") == "WEBSOCKET"}
    assert by_operation["Title"]["path"] == path and by_operation["Title"]["type"] == "query"
    assert by_operation["On"]["path"] == path and by_operation["On"]["events"] == {path: 1}


@pytest.mark.parametrize("planned", [True, False])
async def test_the_report_file_counts_websocket_operations_and_says_why_a_subscription_was_general(
    settings: Settings, conn: asyncpg.Connection, tmp_path, capsys: pytest.CaptureFixture, planned: bool
) -> None:
    report = tmp_path / "paths.jsonl"
    served = settings.model_copy(update={"planned_execution": planned, "path_counts_report": report})
    query = "subscription Created { articleCreated { id title } }"
    async with serving(served) as url, websockets.connect(url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query}}))
        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ tags { name } }"}}))
        assert json.loads(await ws.recv()) == {"id": "q", "type": "next", "payload": {"data": {"tags": []}}}
        assert json.loads(await ws.recv()) == {"id": "q", "type": "complete"}
        author = await factories.user(conn, "writer")
        await asyncio.sleep(0.3)  # no acknowledgement says when the subscription is registered
        async with conn.transaction():
            row = await factories.article(conn, author["id"], "Fresh")
            await conn.execute(
                "SELECT pg_notify('conduit_events', $1)", Event("article", row["id"], row["id"]).payload()
            )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["id"] == "s" and message["payload"]["data"]["articleCreated"]["title"] == "Fresh"
        await ws.send(json.dumps({"id": "s", "type": "complete"}))
        await asyncio.sleep(0.2)
    (line,) = [orjson.loads(text) for text in report.read_text().splitlines()]
    path = PLANNED if planned else GENERAL
    counts = {(row["path"], row["type"]): row["count"] for row in line["counts"]}
    assert counts == {(path, "subscription"): 1, (path, "subscription_event"): 1, (path, "query"): 1}
    assert path_report.main([str(report)]) == 0
    out = capsys.readouterr().out
    assert ("| 1 | Created | plannable: the planned path was off, or fell back when run |" in out) is not planned


def test_the_report_says_when_a_subscriptions_selection_is_not_one_statement() -> None:
    refused = "subscription Refused { articleCreated { comments(first: 1, last: 1) { totalCount } } }"
    assert path_report.reason(refused, None) == "not one statement: Pass `first` or `last`, not both."
    keys = " ".join(f"k{n}: title" for n in range(MAX_KEYS + 1))  # wider than one json_build_object call
    assert path_report.reason(f"subscription Wide {{ articleCreated {{ {keys} }} }}", None).startswith("plannable")


async def test_a_report_over_a_mixed_run_leaves_out_the_processes_with_the_planned_path_off(
    settings: Settings, tmp_path, capsys: pytest.CaptureFixture
) -> None:
    report = tmp_path / "paths.jsonl"
    for planned in (True, False):
        async with client_with(settings, path_counts_report=report, planned_execution=planned) as client:
            await client.post("/graphql", json={"query": "query Tags { tags { name } }"})
    assert path_report.main([str(report)]) == 0
    out = capsys.readouterr().out
    assert "1 server processes (1 with PLANNED_EXECUTION=false left out)" in out
    assert "| planned | query | 1 |" in out and "| general |" not in out and "Tags" not in out


def test_the_reports_reason_reads_conditions_beside_other_required_variables() -> None:
    # Only the conditions take values in the report: a required `$id` beside them used to read as not coercing.
    document = """mutation M2($id: ID!, $favorite: Boolean!) {
      favoriteArticle(input: {articleId: $id}) @include(if: $favorite) { article { id } }
    }"""
    assert path_report.reason(document, "M2") == "plannable: the planned path was off, or fell back when run"
    subscription = (
        "subscription On($id: ID!, $full: Boolean!) { commentAdded(articleId: $id) { id body @include(if: $full) } }"
    )
    assert path_report.reason(subscription, "On") == "plannable: the planned path was off, or fell back when run"
