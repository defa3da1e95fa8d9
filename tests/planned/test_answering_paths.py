"""Which path answered each operation (graph/observability/paths.py): in the log line, in /metrics, in the report file.

Run twice in CI: with the planned path off, what the planner would answer is
answered by the general path, and the expectations follow `settings`.
"""

import asyncio
import hashlib
import json
import logging
from collections import Counter

import orjson
import pytest
import websockets

from graph.auth.tokens import Tokens, signing_secret
from graph.cli import path_report
from graph.planned.json_sql import MAX_KEYS
from graph.relay.ids import encode_id
from tests import factories
from tests.apps import client_with
from tests.live_app import serving
from tests.observability.test_observability import operation_lines, scrape
from tests.ws_client import PROTOCOL

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

PLANNABLE = "query Titles { articles(first: 2) { edges { node { title } } } }"
MUTATION = 'mutation SignIn { login(input: {email: "nobody@example.com", password: "wrong-password"}) { token } }'
# A cursor that does not decode, in a payload's connection: the planner leaves it to the general path before
# writing (graph/planned/payloads.py), which answers it with no error, as no row reaches the connection.
ODD_CURSOR = (
    'mutation Odd { login(input: {email: "nobody@example.com", password: "wrong-password"})'
    ' { token viewer { feed(first: 1, after: "not-a-cursor") { totalCount } } } }'
)
INTROSPECTION = "query Types { __schema { queryType { name } } }"
ARTICLE_CREATED = "subscription Created { articleCreated { id } }"


def planned_or_general(settings) -> str:
    return "planned" if settings.planned_execution else "general"


def by_path(metrics: dict) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["path"], dict(labels)["type"]): value
        for (name, labels), value in metrics.items()
        if name == "graphql_operations_by_path_total"
    }


def grown(before: dict, after: dict) -> dict[tuple[str, str], float]:
    return {key: value - before.get(key, 0) for key, value in after.items() if value != before.get(key, 0)}


async def paths_of(http, caplog, send) -> tuple[list[str], dict]:
    """The log lines' paths and the counter's growth while `send()` runs."""
    before = by_path(await scrape(http))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.request"):
        await send()
    lines = [line["path"] for line in operation_lines(caplog)]
    return lines, grown(before, by_path(await scrape(http)))


async def test_post_and_get_of_a_plannable_query_name_the_planner(http, caplog, settings):
    async def send():
        assert (await http.post("/graphql", json={"query": PLANNABLE})).status_code == 200
        assert (await http.get("/graphql", params={"query": PLANNABLE})).status_code == 200

    lines, counted = await paths_of(http, caplog, send)
    path = planned_or_general(settings)
    assert lines == [path, path]
    assert counted == {(path, "query"): 2}


async def test_a_mutation_is_the_planners_and_introspection_graphql_cores(http, caplog, settings):
    async def send():
        await http.post("/graphql", json={"query": MUTATION})
        await http.post("/graphql", json={"query": INTROSPECTION})
        await http.post("/graphql", json={"query": ODD_CURSOR})

    lines, counted = await paths_of(http, caplog, send)
    path = planned_or_general(settings)
    assert lines == [path, "introspection", "general"]
    expected = Counter({("introspection", "query"): 1, ("general", "mutation"): 1})
    expected[(path, "mutation")] += 1
    assert counted == dict(expected)


ADD_COMMENT = """
mutation Comment($input: AddCommentInput!) {
  addComment(input: $input) { comment { id body author { username } article { title favoritesCount } } errors { code } }
}
"""


async def test_a_mutation_whose_payload_the_planner_reads_is_counted_as_planned(http, caplog, conn, settings):
    author = await factories.user(conn, "payloadwriter")
    article = await factories.article(conn, author["id"])
    token = Tokens(signing_secret(settings), 3600).issue(author["id"], 0)
    variables = {"input": {"articleId": encode_id("Article", article["id"]), "body": "Read back in one statement"}}

    async def send():
        response = await http.post(
            "/graphql",
            json={"query": ADD_COMMENT, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.json()["data"]["addComment"]["errors"] == []

    lines, counted = await paths_of(http, caplog, send)
    path = planned_or_general(settings)
    assert lines == [path]
    assert counted == {(path, "mutation"): 1}


async def test_documents_nothing_ran_are_refused(http, caplog):
    unknown_hash = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}

    async def send():
        await http.post("/graphql", json={"query": "query Bad { nope }"})  # does not validate
        await http.post("/graphql", json={"query": "query {"})  # does not parse
        await http.post("/graphql", json={"extensions": unknown_hash})  # unknown persisted query
        await http.get("/graphql", params={"query": MUTATION})  # a mutation over GET: 405
        await http.post("/graphql", json={"query": PLANNABLE}, headers={"authorization": "Bearer not-a-token"})

    lines, counted = await paths_of(http, caplog, send)
    assert lines == ["refused"] * 5
    assert sum(counted.values()) == 5
    assert {path for path, _ in counted} == {"refused"}


async def test_a_persisted_query_is_answered_by_the_path_its_document_takes(http, caplog, settings):
    digest = hashlib.sha256(PLANNABLE.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    async def send():
        await http.post("/graphql", json={"extensions": extensions})  # not registered yet
        await http.post("/graphql", json={"query": PLANNABLE, "extensions": extensions})  # registers
        response = await http.post("/graphql", json={"extensions": extensions})  # the hash alone
        assert "errors" not in response.json()

    lines, _ = await paths_of(http, caplog, send)
    path = planned_or_general(settings)
    assert lines == ["refused", path, path]


async def test_each_operation_of_a_batch_names_its_own_path(settings, caplog):
    async with client_with(settings, batching=True) as client:
        batch = [{"query": PLANNABLE}, {"query": MUTATION}, {"query": "query Bad { nope }"}]
        before = by_path(await scrape(client))
        with caplog.at_level(logging.INFO, logger="graph.request"):
            response = await client.post("/graphql", json=batch)
        assert response.status_code == 200
        counted = grown(before, by_path(await scrape(client)))
    path = planned_or_general(settings)
    assert [line["path"] for line in operation_lines(caplog)] == [path, path, "refused"]
    assert counted == {(path, "query"): 1, (path, "mutation"): 1, ("refused", "unknown"): 1}


async def test_an_object_wider_than_one_json_build_object_call_is_planned_too(settings, conn, caplog):
    # More keys on one object than one json_build_object call takes: only with raised alias limits.
    author = await factories.user(conn)
    keys = " ".join(f"k{n}: username" for n in range(2 * MAX_KEYS + 1))
    query = f'query Wide {{ user(username: "{author["username"]}") {{ {keys} }} }}'
    async with client_with(settings, max_query_aliases=200, max_query_field_repeats=200) as client:
        with caplog.at_level(logging.INFO, logger="graph.request"):
            response = await client.post("/graphql", json={"query": query})
    assert list(response.json()["data"]["user"]) == [f"k{n}" for n in range(2 * MAX_KEYS + 1)]
    assert set(response.json()["data"]["user"].values()) == {author["username"]}
    (line,) = operation_lines(caplog)
    assert line["path"] == planned_or_general(settings)
    assert line["statements"] == 1


async def test_websocket_subscriptions_count_by_their_events_path_when_started_and_refused_when_not(
    http, settings, caplog
):
    path = planned_or_general(settings)  # the planner answers its events (graph/planned/events.py)
    async with serving(settings) as url:
        before = by_path(await scrape(http))  # the in-process server shares this process's registry
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "connection_ack"}
            with caplog.at_level(logging.INFO, logger="graph.websocket"):
                await ws.send(
                    json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "subscription { nope }"}})
                )
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "error"
            await ws.send(json.dumps({"id": "ok", "type": "subscribe", "payload": {"query": ARTICLE_CREATED}}))
            for _ in range(50):  # no message says a subscription has started listening: poll the counter
                counted = grown(before, by_path(await scrape(http)))
                if (path, "subscription") in counted:
                    break
                await asyncio.sleep(0.05)
    assert counted == {("refused", "subscription"): 1, (path, "subscription"): 1}
    (refusal,) = [record for record in caplog.records if record.name == "graph.websocket"]
    assert refusal.fields == {"path": "refused"}


async def test_the_report_file_holds_the_counts_and_the_documents_the_general_path_answered(settings, tmp_path):
    report = tmp_path / "paths.jsonl"
    async with client_with(settings, path_counts_report=report) as client:
        await client.post("/graphql", json={"query": PLANNABLE})
        await client.post("/graphql", json={"query": MUTATION})
        await client.post("/graphql", json={"query": MUTATION})
        await client.post("/graphql", json={"query": "query Bad { nope }"})
        assert not report.exists()  # written at shutdown
    (line,) = [orjson.loads(text) for text in report.read_text().splitlines()]
    path = planned_or_general(settings)
    counts = {(row["path"], row["type"]): row["count"] for row in line["counts"]}
    assert counts[(path, "mutation")] == 2
    assert counts[("refused", "unknown")] == 1
    assert counts[(path, "query")] == 1
    general = {row["query"]: row["count"] for row in line["general"]}
    assert "query Bad { nope }" not in general  # refused, not answered
    assert (PLANNABLE in general) == (MUTATION in general) == (not settings.planned_execution)


@pytest.mark.parametrize("planned", [True, False])
async def test_the_report_appends_one_line_per_server(settings, tmp_path, planned):
    report = tmp_path / "paths.jsonl"
    for _ in range(2):
        async with client_with(settings, path_counts_report=report, planned_execution=planned) as client:
            await client.post("/graphql", json={"query": PLANNABLE})
    lines = [orjson.loads(text) for text in report.read_text().splitlines()]
    expected = "planned" if planned else "general"
    assert [line["counts"] for line in lines] == [[{"path": expected, "type": "query", "count": 1}]] * 2


async def test_the_report_command_adds_up_processes_and_gives_the_planners_reason(settings, tmp_path, capsys):
    report = tmp_path / "paths.jsonl"
    with_directive = "query Maybe($all: Boolean!) { articles(first: 1) @include(if: $all) { edges { cursor } } }"
    for _ in range(2):
        async with client_with(settings, path_counts_report=report) as client:
            await client.post("/graphql", json={"query": ODD_CURSOR})
            await client.post("/graphql", json={"query": with_directive, "variables": {"all": True}})
    assert path_report.main([str(report)]) == 0
    out = capsys.readouterr().out
    assert "2 server processes" in out
    assert "| general | mutation | 2 |" in out
    assert "| 2 | Odd | payload not one statement: " in out
    if settings.planned_execution:  # the planner serves conditions: the query is not on the general path's list
        assert "| general | query |" not in out and "Maybe" not in out
    else:
        assert "| 2 | Maybe | plannable: the planned path was off, or fell back when run |" in out
