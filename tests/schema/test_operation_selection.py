"""A document with several operations and no `operationName` is refused, never guessed at (GetOperation)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests import factories
from tests.apps import clients_on_both_paths

MUTATION_AND_QUERY = (
    'mutation M { login(input: {email: "alice@example.com", password: "wrong-password"}) { token } } '
    "query Q { users { totalCount } }"
)
TWO_QUERIES = "query A { users { totalCount } } query B { tags { name } }"
ERROR = {
    "message": "Must provide operation name if query contains multiple operations.",
    "extensions": {"code": "BAD_REQUEST"},
}


@pytest.fixture(scope="module")
async def paths(settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with clients_on_both_paths(settings) as clients:
        yield clients


@pytest.fixture(params=["planned", "general"])
def client(request, paths) -> httpx.AsyncClient:
    return paths[request.param]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("query", [MUTATION_AND_QUERY, TWO_QUERIES])
async def test_several_operations_without_a_name_run_none(client, conn, method, query):
    await factories.user(conn, "alice")
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        headers = {"accept": accept}
        if method == "POST":
            response = await client.post("/graphql", json={"query": query}, headers=headers)
        else:
            response = await client.get("/graphql", params={"query": query}, headers=headers)
        assert response.status_code == status
        assert response.json() == {"errors": [ERROR]}
    assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0  # the mutation never ran


async def test_the_named_operation_runs(client, conn):
    await factories.user(conn, "alice")
    response = await client.post("/graphql", json={"query": MUTATION_AND_QUERY, "operationName": "Q"})
    assert response.json() == {"data": {"users": {"totalCount": 1}}}
    got = await client.get("/graphql", params={"query": TWO_QUERIES, "operationName": "A"})
    assert got.json() == {"data": {"users": {"totalCount": 1}}}
