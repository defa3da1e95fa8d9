"""Every text argument has a bound, checked before any SQL on both paths (graph/limits/bounds.py)."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import GraphQLInputObjectType, get_named_type

from graph.limits.bounds import SEARCH_MAX, bound_for
from graph.schema.build import schema
from tests import factories
from tests.apps import clients_on_both_paths

MEGABYTE = "a" * 1_000_000
FILTERED = "query($filter: ArticleFilter) { articles(filter: $filter) { totalCount } }"


def _text_coordinates(type_, seen: set[str], found: list[tuple[str, str, bool]], parent: str) -> None:
    """(parent, name, is an argument) for every String/ID input position under an input object."""
    if type_.name in seen:
        return
    seen.add(type_.name)
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        if isinstance(named, GraphQLInputObjectType):
            _text_coordinates(named, seen, found, named.name)
        elif named.name in ("String", "ID"):
            found.append((type_.name, name, False))


def test_every_string_and_id_argument_and_input_field_has_a_bound():
    graphql_schema = schema._schema
    found: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for type_ in graphql_schema.type_map.values():
        if type_.name.startswith("__") or isinstance(type_, GraphQLInputObjectType):
            continue
        for field_name, field in (getattr(type_, "fields", None) or {}).items():
            for name, argument in field.args.items():
                named = get_named_type(argument.type)
                if isinstance(named, GraphQLInputObjectType):
                    _text_coordinates(named, seen, found, named.name)  # recursively through input objects
                elif named.name in ("String", "ID"):
                    found.append((f"{type_.name}.{field_name}", name, True))
    assert len(found) > 30  # the walk did find the schema's text arguments
    missing = [f"{parent} {name}" for parent, name, argument in found if bound_for(parent, name, argument) is None]
    assert missing == []


@pytest.fixture(scope="module")
async def paths(settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with clients_on_both_paths(settings) as clients:
        yield clients


@pytest.fixture(params=["planned", "general"])
def client(request, paths) -> httpx.AsyncClient:
    return paths[request.param]


def request_lines(caplog) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == "graph.request"]


SEARCH_ERROR = {
    "message": f"`search` may be at most {SEARCH_MAX} characters.",
    "extensions": {"code": "BAD_USER_INPUT", "argument": "search"},
}

# (query, variables): a megabyte search however the client writes it
SEARCHES = {
    # A literal is capped by the document's length limit too, so one character over.
    "literal": (f'{{ articles(filter: {{search: "{"a" * (SEARCH_MAX + 1)}"}}) {{ totalCount }} }}', None),
    "variable for the field": (
        "query($s: String) { articles(filter: {search: $s}) { totalCount } }",
        {"s": MEGABYTE},
    ),
    "variable for the filter": (FILTERED, {"filter": {"search": MEGABYTE}}),
    "variable's default": (
        f'query($s: String = "{"a" * (SEARCH_MAX + 1)}") {{ articles(filter: {{search: $s}}) {{ totalCount }} }}',
        None,
    ),
    "in a fragment": (
        "query($s: String) { ...A } fragment A on Query { articles(filter: {search: $s}) { totalCount } }",
        {"s": MEGABYTE},
    ),
    "one over": (FILTERED, {"filter": {"search": "a" * (SEARCH_MAX + 1)}}),
}


@pytest.mark.parametrize("way", SEARCHES)
async def test_a_search_over_its_bound_is_refused_before_any_statement(client, conn, caplog, way):
    await factories.article(conn, (await factories.user(conn, "alice"))["id"])
    query, variables = SEARCHES[way]
    with caplog.at_level(logging.INFO, logger="graph.request"):
        response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert "data" not in body
    assert [{k: v for k, v in error.items() if k != "locations"} for error in body["errors"]] == [SEARCH_ERROR]
    (line,) = request_lines(caplog)
    assert line["statements"] == 0


async def test_a_search_at_its_bound_runs(client, conn):
    await factories.article(conn, (await factories.user(conn, "alice"))["id"])
    response = await client.post("/graphql", json={"query": FILTERED, "variables": {"filter": {"search": "a" * 200}}})
    assert response.json() == {"data": {"articles": {"totalCount": 0}}}


async def test_a_get_is_refused_the_same_way(client):
    response = await client.get("/graphql", params={"query": f'{{ user(username: "{"u" * 33}") {{ id }} }}'})
    (error,) = response.json()["errors"]
    assert error["message"] == "`username` may be at most 32 characters."


@pytest.mark.parametrize(
    ("query", "variables", "argument", "bound"),
    [
        ("query($u: String!) { user(username: $u) { id } }", {"u": MEGABYTE}, "username", 32),
        ("query($s: String!) { article(slug: $s) { id } }", {"s": "s" * 256}, "slug", 255),
        ("query($c: String) { users(after: $c) { totalCount } }", {"c": "c" * 257}, "after", 256),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": "i" * 257}, "id", 256),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x", "i" * 257]}, "ids", 256),
        (FILTERED, {"filter": {"tag": "t" * 33}}, "tag", 32),
        (
            'mutation($p: String!) { login(input: {email: "a@b.co", password: $p}) { token } }',
            {"p": MEGABYTE},
            "password",
            128,
        ),
        (
            "mutation($i: CreateArticleInput!) { createArticle(input: $i) { errors { code } } }",
            {"i": {"title": "t", "description": "d", "body": "b" * 200_001}},
            "body",
            200_000,
        ),
    ],
)
async def test_each_kind_of_text_has_its_bound(client, query, variables, argument, bound):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    (error,) = response.json()["errors"]
    assert error["message"] == f"`{argument}` may be at most {bound} characters."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_a_near_miss_in_a_mutation_input_is_still_the_payloads_invalid_error(gql, conn, settings):
    from graph.auth.tokens import Tokens, signing_secret

    user = await factories.user(conn, "alice")
    token = Tokens(signing_secret(settings), 3600).issue(user["id"], 0)
    response = await gql(
        "mutation($i: CreateArticleInput!) { createArticle(input: $i) { errors { field code } } }",
        {"i": {"title": "t" * 201, "description": "d", "body": "b"}},
        token=token,
    )
    assert response.ok()["createArticle"]["errors"] == [{"field": ["input", "title"], "code": "INVALID"}]


async def test_a_nul_on_the_planned_path_is_bad_user_input_without_a_traceback_or_a_statement(paths, conn, caplog):
    await factories.user(conn, "alice")
    with caplog.at_level(logging.DEBUG):
        response = await paths["planned"].post(
            "/graphql", json={"query": "query($u: String!) { user(username: $u) { id } }", "variables": {"u": "a\x00"}}
        )
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "username"}
    assert "NUL" in error["message"]
    assert [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info] == []
    (line,) = request_lines(caplog)
    assert line["statements"] == 0
