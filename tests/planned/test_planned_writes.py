"""Planned mutations (graph/planned/mutations.py): the resolvers write, the planner answers.

The planner calls each Mutation field's resolver itself, with an `info`
that holds only the context, and completes the payload from the value the
resolver returned: so no resolver may read more of `info`, and no payload
field may have a resolver of its own. Both are checked here on the source,
so a new mutation or payload field that breaks either fails at once rather
than on some request. The responses themselves are compared with the
general path's in tests/planned/test_planned_payloads.py and the
differential test.
"""

import ast
import inspect
import textwrap

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graph.planned.plan import PAYLOAD_OBJECTS
from graph.relay.ids import encode_id
from graph.schema.build import schema
from tests import factories
from tests.apps import client_with
from tests.operations import bearer, register

MUTATION = schema._schema.mutation_type
DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


def named(graphql_type):
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


@pytest.mark.parametrize("name", sorted(MUTATION.fields))
def test_each_mutation_resolver_is_async_and_reads_only_info_context(name) -> None:
    resolver = MUTATION.fields[name].extensions[DEFINITION].base_resolver
    assert resolver.is_async
    info = resolver.info_parameter.name
    tree = ast.parse(textwrap.dedent(inspect.getsource(resolver.wrapped_func)))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == info]
    assert uses, f"{name} never reads {info}.context"
    for use in uses:
        parent = parents[use]
        assert isinstance(parent, ast.Attribute) and parent.attr == "context", f"{name} reads {info} beyond .context"


def payload_types() -> set[GraphQLObjectType]:
    found, todo = set(), [named(field.type) for field in MUTATION.fields.values()]
    while todo:
        graphql_type = todo.pop()
        if graphql_type in found:
            continue
        found.add(graphql_type)
        for field in graphql_type.fields.values():
            inner = named(field.type)
            if isinstance(inner, GraphQLObjectType) and inner.name not in PAYLOAD_OBJECTS:
                todo.append(inner)
    return found


@pytest.mark.parametrize("graphql_type", sorted(payload_types(), key=lambda t: t.name), ids=lambda t: t.name)
def test_payload_fields_are_plain_attributes_and_their_objects_nullable(graphql_type) -> None:
    for name, field in graphql_type.fields.items():
        assert field.extensions[DEFINITION].base_resolver is None, f"{graphql_type.name}.{name} has a resolver"
        if named(field.type).name in PAYLOAD_OBJECTS:
            # A failed read of a written object nulls just that object (graph/planned/mutations.py).
            assert not isinstance(field.type, GraphQLNonNull), f"{graphql_type.name}.{name}"


def mutations_by(path: str, metrics: str) -> float:
    """The process's count so far (prometheus counters outlive one app)."""
    name = f'graphql_operations_by_path_total{{path="{path}",type="mutation"}} '
    return next((float(line.removeprefix(name)) for line in metrics.splitlines() if line.startswith(name)), 0.0)


CREATE = """mutation Create($title: String!) {
  createArticle(input: {title: $title, description: "d", body: "b", tags: ["x"]}) {
    __typename article { id slug author { username } } errors { field message code }
  }
}"""


async def test_over_http_every_successful_mutation_is_planned_and_a_get_one_still_405(settings, conn) -> None:
    # Run twice in CI: with the planned path off, the general path answers them all alike.
    path = "planned" if settings.planned_execution else "general"
    async with client_with(settings, metrics=True) as client:
        before = mutations_by(path, (await client.get("/metrics")).text)
        headers = bearer(await register(client, "author"))
        created = await client.post("/graphql", json={"query": CREATE, "variables": {"title": "T"}}, headers=headers)
        invalid = await client.post("/graphql", json={"query": CREATE, "variables": {"title": ""}}, headers=headers)
        refused = await client.post("/graphql", json={"query": CREATE, "variables": {"title": "T"}})
        over_get = await client.get(
            "/graphql", params={"query": CREATE, "variables": '{"title": "G"}'}, headers=headers
        )
        metrics = (await client.get("/metrics")).text

    payload = created.json()["data"]["createArticle"]
    assert payload["__typename"] == "CreateArticlePayload" and payload["errors"] == []
    assert payload["article"]["slug"] == "t" and payload["article"]["author"] == {"username": "author"}
    assert invalid.json()["data"]["createArticle"]["errors"][0]["code"] == "INVALID"
    anonymous = refused.json()
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert anonymous["errors"][0]["path"] == ["createArticle"]
    assert anonymous["errors"][0]["locations"] == [{"line": 2, "column": 3}]
    assert over_get.status_code == 405
    assert await conn.fetchval("SELECT count(*) FROM articles") == 1
    # register, both createArticles and the anonymous one (its error is the resolver's, raised in the planner's call)
    assert mutations_by(path, metrics) - before == 4


async def test_a_write_that_fails_unexpectedly_is_one_masked_error_with_the_request_id(settings, conn) -> None:
    document = 'mutation($id: ID!) { addComment(input: {articleId: $id, body: "x"}) { comment { id } } }'
    # A trigger that fails the insert: what a resolver meets when something unforeseen breaks.
    await conn.execute(
        "CREATE FUNCTION fail_comment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'broken'; END $$;"
        "CREATE TRIGGER fail_comment BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION fail_comment()"
    )
    try:
        async with client_with(settings) as client:
            headers = bearer(await register(client, "reader"))
            author = await conn.fetchval("SELECT id FROM users WHERE username = 'reader'")
            article = await factories.article(conn, author, "Mine")
            variables = {"id": encode_id("Article", article["id"])}
            response = await client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
    finally:
        await conn.execute("DROP TRIGGER fail_comment ON comments; DROP FUNCTION fail_comment()")
    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["extensions"]["requestId"]
    assert "broken" not in response.text
