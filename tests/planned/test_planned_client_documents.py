"""Documents written the way Apollo Client and urql write them, answered by the planner in one statement.

`@include`/`@skip` (literal and variable, on fields, fragment spreads and
inline fragments), `__typename` at every level, fragments on `Node`, and
`node(id:)`/`nodes(ids:)` refetches. Each runs through the planned path (both
tiers) and the general path on the same seeded rows; the planned answer must
serialize to the same bytes as the general path's `data` (key order
included), and where the general path answers with errors (an ID that does
not decode) the planner must hand the document back. The statement counter
(`context.statements`, as in tests/test_statement_count*.py) shows the one
statement, against the general path's count for the same document.
"""

import logging
from typing import Any

import orjson
import pytest

from db.pool import StatementCount
from db.seed import SeedSize, seed
from graph.auth.tokens import Tokens, signing_secret
from graph.auth.viewer import ViewerIdentity
from graph.planned import PlannedExecution
from graph.planned.conditions import MAX_CONDITION_VARIABLES
from graph.schema.build import schema
from graph.schema.context import Context
from tests import factories
from tests.apps import client_with
from tests.planned.test_planned_equivalence import decoded
from tests.read_fixtures import gid

SIZE = SeedSize(users=8, articles=12, comments=200, follows_per_user=3, favorites_per_article=2)

ARTICLE_PAGE = """
query ArticlePage($slug: String!, $withComments: Boolean!) {
  article(slug: $slug) {
    __typename id title body createdAt tags favoritesCount viewerHasFavorited
    author { __typename id username image viewerIsFollowing }
    comments(first: 10) @include(if: $withComments) {
      __typename
      edges { __typename cursor node { __typename id body createdAt author { __typename id username } } }
      pageInfo { __typename hasNextPage endCursor }
    }
  }
}"""

ARTICLE_PAGE_SKIP = ARTICLE_PAGE.replace("$withComments: Boolean!", "$noComments: Boolean = false").replace(
    "@include(if: $withComments)", "@skip(if: $noComments)"
)

CONDITIONS_EVERYWHERE = """
query Conditions($a: Boolean!, $b: Boolean!) {
  articles(first: 3) {
    edges {
      cursor @skip(if: $a)
      node {
        ...Card @include(if: $b)
        ... on Article @skip(if: $b) { slug }
        ... @include(if: $a) { author { username } }
        title @include(if: true) @skip(if: false)
        body @include(if: false)
        description @skip(if: true)
      }
    }
    totalCount @include(if: $a) @skip(if: $b)
  }
}
fragment Card on Article { __typename id favoritesCount tags }"""

EVERYTHING_SKIPPED = """
query Nothing($off: Boolean!) {
  article(slug: "%s") { title @include(if: $off) }
  tags @include(if: $off) { name }
}"""

HOME_PAGE = """
query Home($first: Int!, $after: String) {
  __typename
  articles(first: $first, after: $after) {
    __typename
    edges { __typename cursor node { ...ArticlePreview } }
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
  tags(first: 10) { __typename name articlesCount }
  viewer { __typename email user { __typename id username } feed(first: 2) {
    __typename edges { __typename node { __typename id } } pageInfo { __typename hasNextPage } } }
}
fragment ArticlePreview on Article {
  __typename id slug title description createdAt favoritesCount viewerHasFavorited tags
  author { ...Person }
}
fragment Person on User { __typename id username image }"""

NODE_REFETCH = """
query Refetch($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Article {
      title
      author { __typename id username }
      comments(first: 10) { edges { node { __typename id body author { id username } } } }
    }
    ...UserBits
    ... on Comment { body article { slug } }
  }
}
fragment UserBits on User { username followersCount }"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ...NodeId ... on Article { slug author { username } } ... on User { username } }
}
fragment NodeId on Node { id }"""

ONLY_ARTICLES = """
query OnlyArticles($id: ID!) { node(id: $id) { ... on Article { title } } }"""


@pytest.fixture
async def seeded(conn) -> dict[str, Any]:
    await seed(conn, SIZE, factories.password_hash(), reset=True)
    article = await conn.fetchrow(
        "SELECT a.id, a.slug, a.author_id FROM articles a"
        " ORDER BY (SELECT count(*) FROM comments c WHERE c.article_id = a.id) DESC, a.id LIMIT 1"
    )
    comment = await conn.fetchval("SELECT id FROM comments ORDER BY id LIMIT 1")
    reader = await conn.fetchval("SELECT follower_id FROM follows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    return {
        "slug": article["slug"],
        "article": gid("Article", article["id"]),
        "author": gid("User", article["author_id"]),
        "comment": gid("Comment", comment),
        "reader": reader,
    }


def context_for(db, settings, viewer_id: int | None) -> Context:
    context = Context(db=db, settings=settings, viewer=ViewerIdentity(viewer_id) if viewer_id else None)
    context.statements = StatementCount()
    return context


@pytest.fixture(params=[True, False], ids=["one-statement", "executor"])
def execution(request) -> PlannedExecution:
    return PlannedExecution(schema, json_sql=request.param)


async def compare(db, settings, execution: PlannedExecution, query: str, variables: dict[str, Any], viewer_id=None):
    """Both paths' answers (the planned one None when handed back) and their statement counts."""
    planned_context = context_for(db, settings, viewer_id)
    planned = decoded(await execution.answer(query, None, variables, planned_context))
    general_context = context_for(db, settings, viewer_id)
    general = await schema.execute(query, variable_values=variables, context_value=general_context)
    if planned is not None:
        assert not general.errors, general.errors
        assert orjson.dumps(planned) == orjson.dumps(general.data), query
    return planned, general, planned_context.statements.value, general_context.statements.value


@pytest.mark.parametrize("with_comments", [True, False])
@pytest.mark.parametrize("viewer", [None, "reader"])
async def test_the_article_page_with_comments_behind_include_is_one_statement(
    seeded, db, settings, execution, with_comments, viewer
) -> None:
    viewer_id = seeded[viewer] if viewer else None
    for query, variables in (
        (ARTICLE_PAGE, {"slug": seeded["slug"], "withComments": with_comments}),
        (ARTICLE_PAGE_SKIP, {"slug": seeded["slug"], "noComments": not with_comments}),
    ):
        planned, general, statements, general_statements = await compare(
            db, settings, execution, query, variables, viewer_id
        )
        assert planned is not None
        assert ("comments" in planned["article"]) is with_comments
        if with_comments:
            assert len(planned["article"]["comments"]["edges"]) == 10
            assert general_statements > 1  # before the planner served @include: the general path's count
        if execution._json_sql:
            assert statements == 1


async def test_condition_values_pick_a_cached_plan_and_statement(seeded, db, settings) -> None:
    execution = PlannedExecution(schema)
    for with_comments in (True, False, True, False):
        variables = {"slug": seeded["slug"], "withComments": with_comments}
        planned, *_ = await compare(db, settings, execution, ARTICLE_PAGE, variables)
        assert planned is not None
    variants = execution.plan_for(ARTICLE_PAGE, None)
    assert variants.names == ("withComments",)
    assert set(variants.plans) == {(True,), (False,)}
    # The slug is the only request value: each shape's statement was built once and reused.
    assert all(set(plan.statements) == {True} for plan in variants.plans.values())
    assert execution.answered == {"planned": 4}


@pytest.mark.parametrize("a", [True, False])
@pytest.mark.parametrize("b", [True, False])
async def test_conditions_on_fields_spreads_and_inline_fragments(seeded, db, settings, execution, a, b) -> None:
    planned, _, statements, _ = await compare(db, settings, execution, CONDITIONS_EVERYWHERE, {"a": a, "b": b})
    node = planned["articles"]["edges"][0]["node"]
    assert ("cursor" in planned["articles"]["edges"][0]) is not a
    assert ("favoritesCount" in node) is b and ("slug" in node) is not b and ("author" in node) is a
    assert "title" in node and "body" not in node and "description" not in node
    assert ("totalCount" in planned["articles"]) is (a and not b)
    assert statements == 1 or not execution._json_sql


async def test_every_field_skipped_leaves_empty_objects(seeded, db, settings, execution) -> None:
    planned, *_ = await compare(db, settings, execution, EVERYTHING_SKIPPED % seeded["slug"], {"off": False})
    assert planned == {"article": {}}


async def test_a_condition_that_is_not_a_boolean_is_handed_back(seeded, db, settings) -> None:
    query = "query($on: Boolean = true) { tags @include(if: $on) { name } }"
    planned, general, *_ = await compare(db, settings, PlannedExecution(schema), query, {"on": None})
    assert planned is None and general.errors


async def test_too_many_condition_variables_are_handed_back(seeded, db, settings) -> None:
    names = [f"c{i}" for i in range(MAX_CONDITION_VARIABLES + 1)]
    fields = " ".join(f"{name}: name @include(if: ${name})" for name in names)
    query = f"query({', '.join(f'${name}: Boolean!' for name in names)}) {{ tags {{ {fields} }} }}"
    planned, general, *_ = await compare(db, settings, PlannedExecution(schema), query, dict.fromkeys(names, True))
    assert planned is None and not general.errors


@pytest.mark.parametrize("viewer", [None, "reader"])
async def test_the_apollo_home_page_has_typename_at_every_level(seeded, db, settings, execution, viewer) -> None:
    viewer_id = seeded[viewer] if viewer else None
    planned, _, statements, _ = await compare(db, settings, execution, HOME_PAGE, {"first": 5}, viewer_id)
    assert planned["__typename"] == "Query"
    articles = planned["articles"]
    assert articles["__typename"] == "ArticleConnection" and articles["pageInfo"]["__typename"] == "PageInfo"
    assert {edge["__typename"] for edge in articles["edges"]} == {"ArticleEdge"}
    assert {edge["node"]["author"]["__typename"] for edge in articles["edges"]} == {"User"}
    assert (planned["viewer"] is None) is (viewer_id is None)
    if viewer_id is not None:
        assert planned["viewer"]["__typename"] == "Viewer" and planned["viewer"]["feed"]["edges"]
    assert statements == 1 or not execution._json_sql


@pytest.mark.parametrize("target", ["article", "author", "comment"])
async def test_a_node_refetch_is_one_statement(seeded, db, settings, execution, target) -> None:
    planned, _, statements, general_statements = await compare(
        db, settings, execution, NODE_REFETCH, {"id": seeded[target]}
    )
    node = planned["node"]
    assert node["id"] == seeded[target]
    assert node["__typename"] == {"article": "Article", "author": "User", "comment": "Comment"}[target]
    if target == "article":
        assert len(node["comments"]["edges"]) == 10 and general_statements > 1
    if execution._json_sql:
        assert statements == 1


async def test_nodes_of_several_types_are_one_statement(seeded, db, settings, execution) -> None:
    ids = [seeded["article"], seeded["author"], gid("Article", 999_999), seeded["comment"], seeded["article"]]
    planned, _, statements, general_statements = await compare(db, settings, execution, NODES, {"ids": ids})
    typenames = [node and node["__typename"] for node in planned["nodes"]]
    assert typenames == ["Article", "User", None, "Comment", "Article"]
    assert planned["nodes"][3] == {"__typename": "Comment", "id": seeded["comment"]}
    assert general_statements > 1
    assert statements == 1 or not execution._json_sql
    empty, *_ = await compare(db, settings, execution, NODES, {"ids": []})
    assert empty == {"nodes": []}


async def test_a_node_no_fragment_selects_is_an_empty_object(seeded, db, settings, execution) -> None:
    planned, *_ = await compare(db, settings, execution, ONLY_ARTICLES, {"id": seeded["author"]})
    assert planned == {"node": {}}
    missing, *_ = await compare(db, settings, execution, ONLY_ARTICLES, {"id": gid("User", 999_999)})
    assert missing == {"node": None}


@pytest.mark.parametrize(
    "bad",
    ["not-an-id", "VGFnOjE=", gid("User", 0), "QXJ0aWNsZTox\n", "QXJ0aWNsZTowMQ=="],  # Tag:1, Article:01
)
async def test_an_id_that_does_not_decode_gets_the_general_paths_error(seeded, db, settings, execution, bad) -> None:
    for query, variables in ((NODE_REFETCH, {"id": bad}), (NODES, {"ids": [seeded["article"], bad]})):
        planned, general, *_ = await compare(db, settings, execution, query, variables)
        assert planned is None
        assert [error.extensions["code"] for error in general.errors] == ["BAD_USER_INPUT"]
        # One bad ID fails the whole non-null list on the general path: no data at all.
        assert general.errors[0].path == ["node" if query is NODE_REFETCH else "nodes"]
    # The same document with good IDs is still planned afterwards.
    planned, *_ = await compare(db, settings, execution, NODES, {"ids": [seeded["article"]]})
    assert planned["nodes"][0]["slug"] == seeded["slug"]


# The issue's documents over HTTP, as the access log counts their statements:
# from the request's context on, so a signed-in request's token lookup
# (graph/auth/viewer.py, one statement before the context exists) is not in it.
ISSUE_DOCUMENTS = {
    "article page, @include true": (ARTICLE_PAGE, lambda s: {"slug": s["slug"], "withComments": True}),
    "article page, @skip false": (ARTICLE_PAGE_SKIP, lambda s: {"slug": s["slug"], "noComments": False}),
    "node refetch of an article": (NODE_REFETCH, lambda s: {"id": s["article"]}),
    "nodes of an article and a user": (NODES, lambda s: {"ids": [s["article"], s["author"]]}),
    "Apollo home page": (HOME_PAGE, lambda s: {"first": 10}),
}


def request_lines(caplog) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == "graph.request"]


@pytest.mark.parametrize("document", ISSUE_DOCUMENTS)
async def test_over_http_each_issue_document_is_one_statement_plus_the_viewer_lookup(
    seeded, settings, conn, caplog, document
) -> None:
    query, variables_of = ISSUE_DOCUMENTS[document]
    variables = variables_of(seeded)
    reader = await conn.fetchrow("SELECT id, token_version FROM users WHERE id = $1", seeded["reader"])
    token = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds).issue(reader["id"], reader["token_version"])
    counts = {}
    for planned in (True, False):
        async with client_with(settings, planned_execution=planned) as client:
            for signed_in in (False, True):
                headers = {"Authorization": f"Bearer {token}"} if signed_in else {}
                caplog.clear()
                with caplog.at_level(logging.INFO, logger="graph.request"):
                    response = await client.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                assert response.status_code == 200 and "errors" not in response.json()
                (line,) = request_lines(caplog)
                counts[(planned, signed_in)] = line["statements"]
    print(
        f"{document}: statements (anonymous, signed in): general {counts[(False, False)], counts[(False, True)]},"
        f" planned {counts[(True, False)], counts[(True, True)]}"
    )
    assert counts[(True, False)] == counts[(True, True)] == 1
    assert counts[(False, False)] > 1 and counts[(False, True)] > 1  # what the general path needed (before)
