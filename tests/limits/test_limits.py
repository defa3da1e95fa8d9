"""OWASP's GraphQL attacks are refused with QUERY_TOO_COMPLEX before any SQL runs.

Statement counts come from the `execute` fixture (the schema with a context
of its own, as HTTP runs it); HTTP tests check status, codes and that
nothing was written.
"""

import hashlib
import time

import pytest
from graphql import get_introspection_query

from graph.http.graphiql import EXAMPLE_QUERY
from graph.limits.extension import limits_of
from graph.limits.shape import DEFAULT_LIMITS, Limits, limits_for
from tests import factories
from tests.apps import client_with
from tests.graphql_client import Executor

GRAPHQL_RESPONSE = "application/graphql-response+json"
DEFAULTS = Limits()


def nested_followers(levels: int) -> str:
    query = "username"
    for _ in range(levels):
        query = f"followers {{ edges {{ node {{ {query} }} }} }}"
    return f"{{ users {{ edges {{ node {{ {query} }} }} }} }}"


def login_aliases(count: int) -> str:
    fields = " ".join(
        f'a{i}: login(input: {{email: "alice@example.com", password: "guess{i}"}}) {{ token }}' for i in range(count)
    )
    return f"mutation {{ {fields} }}"


def extensions_of(executed) -> dict:
    assert len(executed.errors) == 1, executed.errors
    return executed.errors[0]["extensions"]


async def test_a_depth_bomb_is_refused_before_any_sql(execute, conn):
    await factories.user(conn, "alice")

    executed = await execute(nested_followers(5))

    assert executed.data is None
    assert extensions_of(executed) == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "depth",
        "depth": 19,
        "maxDepth": DEFAULTS.max_depth,
    }
    assert executed.statements == 0


async def test_depth_counts_through_fragments(execute):
    query = nested_followers(5).replace("username", "...Name") + " fragment Name on User { username }"
    assert extensions_of(await execute(query))["depth"] == 19


async def test_a_document_nested_past_the_parser_bound_is_a_depth_error_not_a_crash(execute):
    executed = await execute("{" + "a{" * 500 + "b" + "}" * 501)
    assert extensions_of(executed)["limit"] == "depth"
    assert executed.statements == 0


async def test_an_alias_bomb_of_fifty_logins_verifies_no_password_and_counts_no_attempt(execute, gql, conn):
    await factories.user(conn, "alice")

    executed = await execute(login_aliases(50))
    response = await gql(login_aliases(50))

    assert extensions_of(executed) == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "aliases",
        "aliases": 50,
        "maxAliases": DEFAULTS.max_aliases,
    }
    assert executed.statements == 0
    assert response.codes == ["QUERY_TOO_COMPLEX"]
    assert "data" not in response.body
    assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0


async def test_sizes_within_range_that_multiply_past_the_limit_are_refused_by_cost_before_any_sql(execute):
    # Out-of-range sizes are BAD_USER_INPUT whatever they cost (tests/limits/test_argument_ranges.py).
    query = """query($n: Int, $m: Int = 100) { viewer { email } articles(first: $n) { edges { node {
        comments(first: $m) { edges { node { author { username } } } } } } } }"""
    executed = await execute(query, {"n": 100})
    assert extensions_of(executed) == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "cost",
        "cost": 1 + 1 + 100 * (3 + 100 * 3),  # viewer + articles + 100 × (edge + node + comments + 100 × 3)
        "maxCost": DEFAULTS.max_cost,
    }
    assert executed.statements == 0
    assert (await execute(query, {"n": 10, "m": 10})).errors == []


@pytest.mark.parametrize(
    ("query", "static"),
    [
        ("query($u: String!) { user(username: $u) { articles(first: 10) { edges { node { title } } } } }", True),
        ("query($n: Int = 5) { articles(first: $n) { edges { node { title } } } }", False),
        ("query($n: Int) { a: articles(first: 3) { totalCount } b: articles(last: $n) { totalCount } }", False),
        ('query($id: ID!) { nodes(ids: ["VXNlcjox", $id]) { id } }', False),
        ("{ users(first: 100) { edges { node { id username } } } }", True),
    ],
)
def test_a_cost_no_variable_can_change_is_known_from_the_document_alone(query, static):
    from graphql import parse

    from graph.limits.cost import operation_cost, static_cost
    from graph.schema.build import schema

    document = parse(query)
    cost = static_cost(schema._schema, document, None)
    if static:
        assert cost == operation_cost(schema._schema, document, None, {"u": "x", "n": 7, "id": "a"})
    else:
        assert cost is None


async def test_nested_connections_multiply(execute):
    query = """{ articles(first: 100) { totalCount edges { node {
        comments(last: 100) { edges { node { author { username } } } } } } } }"""
    # articles + 100 × (edge + node + comments + 100 × (edge + node + author))
    assert extensions_of(await execute(query))["cost"] == 1 + 100 * (3 + 100 * 3)


async def test_nodes_cost_by_the_number_of_ids(execute):
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { followers { totalCount } } } }"
    variables = {"ids": ["VXNlcjox"] * 100}
    # nodes + 100 × followers
    assert (await Executor(execute.db, _settings(execute, max_query_cost=101))(query, variables)).errors == []
    refused = await Executor(execute.db, _settings(execute, max_query_cost=100))(query, variables)
    assert extensions_of(refused)["cost"] == 101


def _settings(execute, **overrides):
    return execute.settings.model_copy(update=overrides)


async def test_repeating_one_field_is_refused_before_graphql_cores_quadratic_validation(execute):
    # Unchecked, graphql-core's OverlappingFieldsCanBeMerged took ~2 s for this (400 merged `author`s).
    inner = "articles { edges { node { " + "author { username } " * 20 + "} } } "
    query = "{ articles { edges { node { " + ("author { " + inner + "} ") * 20 + "} } } }"

    started = time.perf_counter()
    executed = await execute(query)
    elapsed = time.perf_counter() - started

    assert extensions_of(executed) == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "fieldRepeats",
        "fieldRepeats": 400,
        "maxFieldRepeats": DEFAULTS.max_field_repeats,
    }
    assert executed.statements == 0
    assert elapsed < 0.5


async def test_plain_field_duplication_is_refused(execute):
    executed = await execute("{ tags { " + "name " * 21 + "} }")
    assert extensions_of(executed)["fieldRepeats"] == 21


async def test_a_fragment_that_doubles_at_every_level_is_refused_without_expanding_it(execute):
    fragments = " ".join(f"fragment F{i} on Tag {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 40))
    query = "{ tags { ...F39 } } fragment F0 on Tag { name articlesCount } " + fragments

    started = time.perf_counter()
    executed = await execute(query)

    assert extensions_of(executed) == {"code": "QUERY_TOO_COMPLEX", "limit": "fields", "maxFields": DEFAULTS.max_fields}
    assert time.perf_counter() - started < 0.5


async def test_directive_overload_is_refused(execute):
    executed = await execute("{ tags " + "@include(if: true) " * 30 + "{ name } }")
    assert extensions_of(executed) == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "directives",
        "directives": 30,
        "maxDirectives": DEFAULTS.max_directives,
    }
    assert executed.statements == 0


async def test_a_document_over_the_token_limit_stops_the_lexer(execute):
    executed = await execute("{ " + "tags { name } " * 700 + "}")
    assert extensions_of(executed) == {"code": "QUERY_TOO_COMPLEX", "limit": "tokens", "maxTokens": DEFAULTS.max_tokens}


async def test_a_one_megabyte_document_is_refused_before_parsing_under_both_media_types(http):
    query = "{ tags { name } }" + "#" * 1_000_000
    for accept, status in (("application/json", 200), (GRAPHQL_RESPONSE, 400)):
        response = await http.post("/graphql", json={"query": query}, headers={"accept": accept})
        assert response.status_code == status
        assert response.json() == {
            "errors": [
                {
                    "message": f"The operation exceeds the length limit: {len(query)} > {DEFAULTS.max_length}.",
                    "extensions": {
                        "code": "QUERY_TOO_COMPLEX",
                        "limit": "length",
                        "length": len(query),
                        "maxLength": DEFAULTS.max_length,
                    },
                }
            ]
        }


async def test_a_one_megabyte_persisted_query_is_refused_and_not_stored(http, conn):
    # Before the length check ran first, the store hit the table's CHECK and answered 500.
    query = "{ tags { name } }" + " " * 1_000_000
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    response = await http.post("/graphql", json={"query": query, "extensions": extensions})

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert await conn.fetchval("SELECT count(*) FROM persisted_queries") == 0


async def test_persisted_queries_pass_through_the_same_limits(http):
    query = nested_followers(5)
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}

    stored = await http.post("/graphql", json={"query": query, "extensions": extensions})
    by_hash = await http.post("/graphql", json={"extensions": extensions})

    for response in (stored, by_hash):
        assert response.json()["errors"][0]["extensions"]["limit"] == "depth"


async def test_variables_nested_past_the_json_parsers_bound_are_bad_request(http):
    body = b'{"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": '
    body += b"[" * 100_000 + b"]" * 100_000 + b"}}"

    response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_deeply_nested_variables_within_the_json_bound_are_bad_user_input(http, method):
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    variables = '{"ids": ' + "[" * 1000 + "]" * 1000 + "}"  # orjson reads up to 1,024 levels
    if method == "POST":
        body = b'{"query": "' + query.encode() + b'", "variables": ' + variables.encode() + b"}"
        response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
    else:
        params = {"query": query, "variables": variables}
        response = await http.get("/graphql", params=params)

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_batch_over_its_size_runs_nothing_and_each_operation_meets_the_limits(settings, conn):
    await factories.user(conn, "alice")
    async with client_with(settings, batching=True, batch_max_size=3) as client:
        login = 'mutation { login(input: {email: "alice@example.com", password: "x"}) { token } }'
        too_many = await client.post("/graphql", json=[{"query": login}] * 4)
        assert too_many.status_code == 400
        assert too_many.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0

        bombs = await client.post("/graphql", json=[{"query": login_aliases(50)}, {"query": nested_followers(5)}])
        assert [body["errors"][0]["extensions"]["limit"] for body in bombs.json()] == ["aliases", "depth"]
        assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0


async def test_limits_are_settings(execute):
    shallow = Executor(execute.db, _settings(execute, max_query_depth=3))
    assert (await shallow("{ users { edges { cursor } } }")).errors == []
    assert extensions_of(await shallow("{ users { edges { node { username } } } }"))["maxDepth"] == 3


def test_the_app_s_limits_win_then_the_settings_then_the_defaults(settings):
    """One place decides the fallback: a Context's and the extension's alike."""
    built = Limits(max_depth=4)
    assert limits_for(settings, built) is built
    assert limits_for(settings) == Limits.from_settings(settings)
    assert limits_for(None) is DEFAULT_LIMITS
    assert limits_of(object()) is DEFAULT_LIMITS


async def test_realistic_operations_pass_every_limit(execute):
    for operation in ("LatestArticles", "Login"):
        executed = await execute_named(execute, EXAMPLE_QUERY, operation)
        assert not any(error["extensions"]["code"] == "QUERY_TOO_COMPLEX" for error in executed), executed
    full_introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    introspected = await execute(full_introspection)
    assert introspected.errors == []
    assert introspected.statements == 0


async def execute_named(execute, query: str, operation_name: str) -> list:
    from graph.schema.build import schema
    from graph.schema.context import Context

    context = Context(db=execute.db, settings=execute.settings)
    result = await schema.execute(query, context_value=context, operation_name=operation_name)
    return [error.formatted for error in result.errors or []]
