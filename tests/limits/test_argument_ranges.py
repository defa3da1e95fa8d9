"""A size argument out of range is BAD_USER_INPUT however it is written and whatever it would cost.

The cost walk (graph/limits/cost.py) checks each size against its range before it
multiplies by it, so `first: 100000` never reaches the cost limit; the error
is the resolver's, raised before anything runs, on every path.
"""

import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from graph.relay.ids import encode_id
from tests import factories
from tests.apps import clients_on_both_paths

EDGES = "{ edges { node { id } } }"
HUNDRED_AND_ONE_IDS = [encode_id("User", n) for n in range(1, 102)]

# (query, variables, argument, value as the message gives it)
WAYS = {
    "literal": (f"{{ articles(first: 100000) {EDGES} }}", None, "first", 100000),
    "variable": (f"query($first: Int) {{ articles(first: $first) {EDGES} }}", {"first": 100000}, "first", 100000),
    "variable's default": (f"query($first: Int = 100000) {{ articles(first: $first) {EDGES} }}", None, "first", 100000),
    "non-null variable": (f"query($n: Int!) {{ users(last: $n) {EDGES} }}", {"n": 100000}, "last", 100000),
    "float variable Int coerces": (f"query($n: Int) {{ articles(first: $n) {EDGES} }}", {"n": 1e5}, "first", 100000),
    "negative literal": ("{ users(last: -1) { totalCount } }", None, "last", -1),
    "just over, cheap": ("{ viewer { email } tags(first: 101) { name } }", None, "first", 101),
    "in a fragment": ("{ ...Tags } fragment Tags on Query { tags(first: 1000) { name } }", None, "first", 1000),
    "nested connection": (
        "query($n: Int) { articles(first: 1) { edges { node { comments(first: $n) { totalCount } } } } }",
        {"n": 5000},
        "first",
        5000,
    ),
    "ids literal": (f"{{ nodes(ids: {json.dumps(HUNDRED_AND_ONE_IDS)}) {{ id }} }}", None, "ids", 101),
    "ids variable": ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": HUNDRED_AND_ONE_IDS}, "ids", 101),
}


def expected_error(argument: str, value: int) -> dict:
    message = (
        f"`ids` takes at most 100 IDs, got {value}."
        if argument == "ids"
        else f"`{argument}` must be between 0 and 100, got {value}."
    )
    return {"message": message, "extensions": {"code": "BAD_USER_INPUT", "argument": argument}}


def without_locations(error: dict) -> dict:
    assert error["locations"], error  # it points at the argument
    return {key: value for key, value in error.items() if key != "locations"}


@pytest.mark.parametrize("way", WAYS)
async def test_the_operation_is_refused_before_any_sql_with_the_resolvers_error(execute, way):
    query, variables, argument, value = WAYS[way]
    executed = await execute(query, variables)
    assert executed.data is None
    assert [without_locations(error) for error in executed.errors] == [expected_error(argument, value)]
    assert executed.statements == 0


@pytest.fixture(scope="module")
async def paths(settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with clients_on_both_paths(settings, batching=True) as clients:
        yield clients


@pytest.fixture(params=["planned", "general"])
def client(request, paths) -> httpx.AsyncClient:
    return paths[request.param]


@pytest.mark.parametrize("way", WAYS)
async def test_over_http_it_is_a_request_error_on_both_paths(client, conn, way):
    await factories.user(conn, "alice")  # something a planned answer would show
    query, variables, argument, value = WAYS[way]
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"accept": accept}
        )
        assert response.status_code == status
        body = response.json()
        assert "data" not in body
        assert [without_locations(error) for error in body["errors"]] == [expected_error(argument, value)]


async def test_a_get_is_refused_the_same_way(client):
    query, variables, argument, value = WAYS["variable"]
    response = await client.get("/graphql", params={"query": query, "variables": json.dumps(variables)})
    assert [without_locations(error) for error in response.json()["errors"]] == [expected_error(argument, value)]


async def test_a_variables_default_out_of_range_is_fine_when_the_request_overrides_it(client, conn):
    await factories.user(conn, "alice")
    query = "query($n: Int = 100000) { users(first: $n) { edges { node { username } } } }"
    ran = await client.post("/graphql", json={"query": query, "variables": {"n": 1}})
    assert ran.json() == {"data": {"users": {"edges": [{"node": {"username": "alice"}}]}}}
    refused = await client.post("/graphql", json={"query": query})  # twice: the document's cache must not hide it
    assert refused.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


async def test_a_persisted_query_is_refused_the_same_way_by_hash(client):
    query, variables, argument, value = WAYS["variable"]
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    registered = await client.post("/graphql", json={"query": query, "variables": variables, "extensions": extensions})
    by_hash = await client.get(
        "/graphql", params={"extensions": json.dumps(extensions), "variables": json.dumps(variables)}
    )
    for response in (registered, by_hash):
        assert [without_locations(error) for error in response.json()["errors"]] == [expected_error(argument, value)]


async def test_in_a_batch_only_the_operation_out_of_range_is_refused(client):
    query, variables, argument, value = WAYS["variable"]
    response = await client.post(
        "/graphql", json=[{"query": query, "variables": variables}, {"query": query, "variables": {"first": 1}}]
    )
    refused, ran = response.json()
    assert [without_locations(error) for error in refused["errors"]] == [expected_error(argument, value)]
    assert ran == {"data": {"articles": {"edges": []}}}
