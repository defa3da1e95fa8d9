"""The planner serves every object field of the contract: a walk of schema.graphql fails on any it does not.

From the committed schema.graphql, every object type reachable from Query,
and from the objects a mutation payload returns (the written rows the
planner reads back), is walked; each of its fields is selected in a
document that reaches it from the Query root, anonymous and signed in. The
planned path must answer that document (not hand it to the general path)
in one statement, with the general path's `data`. Connections are read
forwards and backwards. So a field added to the contract without its
declaration in db/catalog.py fails here, by name.
"""

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

from db.pool import StatementCount
from db.seed import SeedSize, seed
from graph.planned import PlannedExecution
from graph.planned.json_sql import serves
from graph.planned.plan import PAYLOAD_OBJECTS
from graph.schema.build import schema
from tests import factories
from tests.planned.test_planned_equivalence import context_for, decoded
from tests.read_fixtures import gid

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
SIZE = SeedSize(users=6, articles=10, comments=40, follows_per_user=3, favorites_per_article=2)


def _named(graphql_type):
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def contract() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text())


def payload_objects(committed: GraphQLSchema) -> set[str]:
    """The object types mutation payloads return rows as (the planner reads them back after the write)."""
    found = set()
    for mutation in committed.mutation_type.fields.values():
        payload = _named(mutation.type)
        for field in payload.fields.values():
            named = _named(field.type)
            if isinstance(named, GraphQLObjectType) and named.name in PAYLOAD_OBJECTS:
                found.add(named.name)
    return found


def routes(committed: GraphQLSchema, values: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Per object type reachable from Query: the shortest selection reaching it, as (opening, closing) text."""
    found: dict[str, tuple[str, str]] = {"Query": ("", "")}
    queue = ["Query"]
    while queue:
        parent = committed.get_type(queue.pop(0))
        opening, closing = found[parent.name]
        for name, field in parent.fields.items():
            named = _named(field.type)
            if isinstance(named, GraphQLInterfaceType):
                continue  # node/nodes: selected as fields of their own below
            if isinstance(named, GraphQLObjectType) and named.name not in found:
                found[named.name] = (f"{opening}{name}{arguments(parent.name, name, values)} {{ ", f" }}{closing}")
                queue.append(named.name)
    return found


def arguments(parent: str, name: str, values: dict[str, str], backward: bool = False) -> str:
    field = schema._schema.get_type(parent).fields[name]
    if "first" in field.args and "last" in field.args:
        return "(last: 2)" if backward else "(first: 2)"
    given = {"username": values["username"], "slug": values["slug"], "id": values["id"], "ids": values["ids"]}
    present = [f"{argument}: {given[argument]}" for argument in field.args if argument in given]
    return f"({', '.join(present)})" if present else ""


def selection(graphql_type) -> str:
    named = _named(graphql_type)
    if isinstance(named, GraphQLInterfaceType):
        return " { __typename id }"
    if isinstance(named, GraphQLObjectType):
        return " { __typename }"
    return ""


def reachable_fields(committed: GraphQLSchema, route_of: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    types = set(route_of) | payload_objects(committed)
    return sorted(
        (type_name, field_name)
        for type_name in types
        if isinstance(committed.get_type(type_name), GraphQLObjectType)
        for field_name in committed.get_type(type_name).fields
    )


def test_every_reachable_object_field_is_declared_for_the_planner() -> None:
    committed = contract()
    route_of = routes(committed, {"username": '""', "slug": '""', "id": '""', "ids": "[]"})
    assert payload_objects(committed) <= set(route_of)  # what a payload returns, a query reaches too
    missing = [f"{t}.{f}" for t, f in reachable_fields(committed, route_of) if not serves(t, f)]
    assert missing == []


def test_the_walk_reaches_every_type_a_client_reads() -> None:
    committed = contract()
    route_of = routes(committed, {"username": '""', "slug": '""', "id": '""', "ids": "[]"})
    wanted = {"Article", "User", "Comment", "Tag", "Viewer", "PageInfo", "ArticleConnection", "CommentEdge"}
    assert wanted <= set(route_of)
    assert len(reachable_fields(committed, route_of)) > 50


@pytest.fixture
async def seeded(conn) -> dict[str, Any]:
    await seed(conn, SIZE, factories.password_hash(), reset=True)
    reader = await conn.fetchval("SELECT follower_id FROM follows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    article = await conn.fetchrow("SELECT id, slug FROM articles ORDER BY favorites_count DESC, id LIMIT 1")
    username = await conn.fetchval("SELECT username FROM users WHERE id = $1", reader)
    return {
        "reader": reader,
        "values": {
            "username": f'"{username}"',
            "slug": f'"{article["slug"]}"',
            "id": f'"{gid("Article", article["id"])}"',
            "ids": f'["{gid("Article", article["id"])}", "{gid("User", reader)}"]',
        },
    }


async def test_every_reachable_object_field_is_answered_by_the_planner(seeded, db, settings) -> None:
    committed = contract()
    values = seeded["values"]
    route_of = routes(committed, values)
    execution = PlannedExecution(schema)
    asked = 0
    for type_name, field_name in reachable_fields(committed, route_of):
        opening, closing = route_of[type_name]
        field = committed.get_type(type_name).fields[field_name]
        for backward in (False, True) if "last" in field.args else (False,):
            leaf = f"{field_name}{arguments(type_name, field_name, values, backward)}{selection(field.type)}"
            query = f"{{ {opening}{leaf}{closing} }}"
            for viewer_id in (None, seeded["reader"]):
                planned_context = context_for(db, settings, viewer_id)
                planned_context.statements = StatementCount()
                planned = await execution.answer(query, None, None, planned_context)
                general = await schema.execute(query, context_value=context_for(db, settings, viewer_id))
                assert not general.errors, (query, general.errors)
                assert planned is not None, f"{type_name}.{field_name} went to the general path: {query}"
                assert decoded(planned) == general.data, query
                assert planned_context.statements.value == 1, query
                asked += 1
    assert asked > 100
    assert execution.answered == {"planned": asked}
