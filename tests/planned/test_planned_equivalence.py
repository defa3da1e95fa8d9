"""The planned path answers exactly what the general path answers.

Hundreds of documents, generated from the schema (random selections,
aliases, fragments, arguments, cursors), run through both paths on seeded
data, anonymous and signed in; every `data` must be equal. Documents the
planner does not take, and requests it hands back, are answered by the
general path over HTTP with the same codes as before.
"""

import random
from typing import Any

import orjson
import pytest
from graphql import GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType

from db.seed import SeedSize, seed
from graph.auth.viewer import ViewerIdentity
from graph.planned import PlannedExecution
from graph.planned.json_sql import serves
from graph.schema.build import schema
from graph.schema.context import Context
from tests import factories
from tests.read_fixtures import gid

SIZE = SeedSize(users=12, articles=40, comments=150, follows_per_user=4, favorites_per_article=3)
CONNECTION_ARGS = ({}, {"first": 0}, {"first": 1}, {"first": 3}, {"last": 2}, {"first": 100})


@pytest.fixture
async def seeded(conn) -> dict[str, Any]:
    await seed(conn, SIZE, factories.password_hash(), reset=True)
    return {
        "usernames": [r["username"] for r in await conn.fetch("SELECT username FROM users ORDER BY id LIMIT 5")],
        "slugs": [r["slug"] for r in await conn.fetch("SELECT slug FROM articles ORDER BY id LIMIT 5")],
        "tags": [r["name"] for r in await conn.fetch("SELECT name FROM tags ORDER BY id LIMIT 5")],
        "reader": await conn.fetchval("SELECT follower_id FROM follows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
        # Node IDs of each type, and of rows that do not exist.
        "ids": [
            gid(table.capitalize()[:-1], row["id"])
            for table in ("users", "articles", "comments")
            for row in await conn.fetch(f"SELECT id FROM {table} ORDER BY id LIMIT 3")
        ]
        + [gid("Article", 999_999), gid("Comment", 999_999)],
    }


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    return str(value)


def _arguments(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v if k == 'orderBy' else _literal(v)}" for k, v in args.items())


class DocumentGenerator:
    def __init__(self, rng: random.Random, seeded: dict[str, Any]) -> None:
        self.rng = rng
        self.seeded = seeded
        self.graphql_schema = schema._schema

    def document(self) -> str:
        body = self.selection(self.graphql_schema.query_type, depth=0)
        fragment_use = self.rng.random() < 0.3
        if fragment_use:
            return f"query Generated {{ ...Root }}\nfragment Root on Query {body}"
        return f"query Generated {body}"

    def arguments(self, parent: str, name: str) -> dict[str, Any]:
        rng, seeded = self.rng, self.seeded
        if name in {"articles", "users", "comments", "favoriteArticles", "followers", "following", "feed"}:
            args = dict(rng.choice(CONNECTION_ARGS))
            if parent == "Query" and name == "articles":
                if rng.random() < 0.5:
                    choice = rng.choice(["tag", "authorUsername", "favoritedByUsername", "search"])
                    value = {
                        "tag": rng.choice(seeded["tags"]),
                        "authorUsername": rng.choice(seeded["usernames"]),
                        "favoritedByUsername": rng.choice(seeded["usernames"]),
                        "search": rng.choice(["graph", "a", "zzz"]),
                    }[choice]
                    args["filter"] = {choice: value}
                if rng.random() < 0.5:
                    args["orderBy"] = rng.choice(["NEWEST", "OLDEST", "MOST_FAVORITED"])
            return args
        if name == "article":
            return {"slug": rng.choice([*seeded["slugs"], "no-such-article"])}
        if name == "user":
            return {"username": rng.choice([*seeded["usernames"], "nobody"])}
        if name == "tags":
            return rng.choice([{}, {"first": 3}])
        if name == "node":
            return {"id": rng.choice(seeded["ids"])}
        if name == "nodes":
            return {"ids": [rng.choice(seeded["ids"]) for _ in range(rng.randint(0, 4))]}
        return {}

    def selection(self, parent: GraphQLObjectType, depth: int) -> str:
        rng = self.rng
        candidates = [
            (name, field)
            for name, field in parent.fields.items()
            if serves(parent.name, name) and (depth < 4 or not isinstance(_named(field.type), GraphQLObjectType))
        ]
        chosen = rng.sample(candidates, k=min(len(candidates), rng.randint(1, 4)))
        parts = []
        if rng.random() < 0.2:
            parts.append("__typename")
        for name, field in chosen:
            args = self.arguments(parent.name, name)
            for copy in range(2 if rng.random() < 0.15 else 1):
                alias = f"{name}{copy}: " if copy or rng.random() < 0.2 else ""
                rendered = f"{alias}{name}"
                if copy:
                    args = self.arguments(parent.name, name)
                args = {k: v for k, v in args.items() if k in field.args}
                if args:
                    rendered += "(" + _arguments(args) + ")"
                named = _named(field.type)
                if isinstance(named, GraphQLInterfaceType):
                    # A fragment per type the node may be (some of them), and the interface's own fields.
                    possible = self.graphql_schema.get_possible_types(named)
                    chosen_types = rng.sample(possible, k=rng.randint(0, len(possible)))
                    fragments = " ".join(f"... on {t.name} {self.selection(t, depth + 1)}" for t in chosen_types)
                    rendered += f" {{ __typename id {fragments} }}"
                elif isinstance(named, GraphQLObjectType):
                    inner = self.selection(named, depth + 1)
                    if named.name in {"Article", "User", "Comment"} and rng.random() < 0.2:
                        inner = "{ ... on Node { id } " + inner[1:]
                    rendered += " " + inner
                parts.append(rendered)
        return "{ " + " ".join(parts) + " }"


def _named(graphql_type):
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def context_for(db, settings, viewer_id: int | None) -> Context:
    return Context(db=db, settings=settings, viewer=ViewerIdentity(viewer_id) if viewer_id else None)


def decoded(data: Any) -> Any:
    """A planned answer as plain data: the planner gives JSON text (an orjson.Fragment)."""
    return orjson.loads(orjson.dumps(data)) if isinstance(data, orjson.Fragment) else data


async def both(db, settings, query: str, viewer_id: int | None, variables=None, execution=None):
    execution = execution or PlannedExecution(schema)
    planned = decoded(await execution.answer(query, None, variables, context_for(db, settings, viewer_id)))
    general = await schema.execute(query, variable_values=variables, context_value=context_for(db, settings, viewer_id))
    return planned, general


@pytest.mark.slow  # generated documents on both paths: seconds
async def test_generated_documents_get_the_same_data_on_both_paths(seeded, db, settings) -> None:
    rng = random.Random(20261123)
    generator = DocumentGenerator(rng, seeded)
    execution = PlannedExecution(schema)
    compared = 0
    for n in range(150):
        query = generator.document()
        viewer_id = seeded["reader"] if n % 2 else None
        planned, general = await both(db, settings, query, viewer_id, execution=execution)
        if general.errors:
            # Arguments the general path refuses: the planner hands them back.
            assert planned is None, query
            continue
        assert planned == general.data, query
        compared += 1
    assert compared > 100
    # Every answer came from the planner's one statement.
    assert execution.answered == {"planned": compared}


async def test_cursors_from_one_path_page_the_same_on_the_other(seeded, db, settings) -> None:
    query = """query($after: String, $before: String, $first: Int, $last: Int) {
      articles(first: $first, after: $after, last: $last, before: $before, orderBy: MOST_FAVORITED) {
        edges { cursor node { slug favoritesCount } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        totalCount } }"""
    variables: dict[str, Any] = {"first": 7}
    for _ in range(4):
        planned, general = await both(db, settings, query, None, variables)
        assert planned == general.data
        variables = {"first": 7, "after": planned["articles"]["pageInfo"]["endCursor"]}
    variables = {"last": 5, "before": planned["articles"]["pageInfo"]["startCursor"]}
    planned, general = await both(db, settings, query, None, variables)
    assert planned == general.data and planned["articles"]["edges"]


@pytest.mark.parametrize(
    "query",
    [
        "mutation { logout }",
        '{ node(id: "not-an-id") { id } }',
        '{ nodes(ids: ["VXNlcjox", "VGFnOjE="]) { id } }',
        "{ articles(first: 1) @include(if: null) { totalCount } }",
        "{ articles(first: 1000) { totalCount } }",
        '{ articles(after: "garbage") { totalCount } }',
        "{ nope }",
        "{ tags(first: -1) { name } }",
    ],
)
async def test_what_the_planner_does_not_take_is_handed_back(seeded, db, settings, query: str) -> None:
    assert await PlannedExecution(schema).answer(query, None, None, context_for(db, settings, None)) is None


async def test_over_http_refused_arguments_keep_their_codes(seeded, gql) -> None:
    response = await gql("{ articles(first: 1000) { totalCount } }")
    assert response.codes == ["BAD_USER_INPUT"] and response.data is None


NESTED = """{ articles(first: 50) { edges { node { title author { username viewerIsFollowing }
  comments(first: 5) { edges { node { body author { username } } } } } } } }"""


async def test_a_planned_query_is_one_statement(seeded, db, settings) -> None:
    from db.pool import StatementCount

    context = context_for(db, settings, seeded["reader"])
    context.statements = StatementCount()
    data = await PlannedExecution(schema).answer(NESTED, None, None, context)
    assert isinstance(data, orjson.Fragment)
    assert len(decoded(data)["articles"]["edges"]) == 40
    assert context.statements.value == 1
