"""Mutation payloads answered by the planner: the general path's response, in the write's statements plus one.

Each mutation of the contract runs with the payload a normalized cache asks
for (every object it touched, with the related rows and lists a client
shows next), once on the general path and once with the planner in front
(as the endpoint runs it), each on a fresh database seeded identically. The
clock is fixed for the rows the writes insert (the columns' defaults), so
the two responses must be equal byte for byte; the one value a write stamps
with `now()` itself (updateArticle's `updated_at`) is read from each
database and must be the only difference.
"""

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from graph.relay.ids import encode_id
from tests import factories
from tests.conftest import TRUNCATE

T0 = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)
CLOCK = "'2024-05-02 08:30:00.5+00'::timestamptz"
# Every column the writes fill from their defaults' clock.
CLOCKED = (
    ("users", "created_at"),
    ("users", "updated_at"),
    ("articles", "created_at"),
    ("articles", "updated_at"),
    ("comments", "created_at"),
    ("comments", "updated_at"),
    ("follows", "created_at"),
    ("favorites", "created_at"),
)

USER = "id username bio image createdAt followersCount followingCount viewerIsFollowing"
COMMENTS = (
    "comments(first: 3) { totalCount pageInfo { hasNextPage endCursor }"
    " edges { cursor node { id body author { id username } } } }"
)
ARTICLE = f"""
  __typename id slug title description body tags createdAt updatedAt favoritesCount viewerHasFavorited
  author {{ {USER} }}
  {COMMENTS}
"""
ERRORS = "errors { field message code }"
VIEWER = f"""
  email
  user {{ {USER} articles(first: 2) {{ totalCount edges {{ node {{ id title }} }} }} }}
  feed(first: 2) {{ totalCount edges {{ cursor node {{ id title author {{ username }} }} }} }}
"""

# name -> (document, variables from the seeded rows, the viewer's key, write statements)
# Write statements: what the mutation's own resolver sends (BEGIN and COMMIT are not counted).
MUTATIONS = {
    "addComment": (
        f"""mutation M($id: ID!) {{ addComment(input: {{articleId: $id, body: "Nice."}}) {{
          comment {{ __typename id body createdAt updatedAt author {{ {USER} }} article {{ {ARTICLE} }} }}
          {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("Article", rows["article"])},
        "reader",
        2,  # the insert and its NOTIFY
    ),
    "createArticle": (
        f"""mutation M {{ createArticle(input: {{title: "Fresh", description: "d", body: "b", tags: ["x"]}}) {{
          article {{ {ARTICLE} author {{ followers(first: 2) {{ edges {{ node {{ username }} }} }} }} }}
          {ERRORS} }} }}""",
        lambda rows: {},
        "author",
        1,  # one statement writes the article, its tags and returns its author
    ),
    "updateArticle": (
        f"""mutation M($id: ID!) {{ updateArticle(input: {{id: $id, title: "Renamed", tags: ["b"]}}) {{
          article {{ {ARTICLE} }} {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("Article", rows["article"])},
        "author",
        5,  # the row locked for the policy, the update, the tags (ensured, attached, others detached)
    ),
    "favoriteArticle": (
        f"""mutation M($id: ID!) {{ favoriteArticle(input: {{articleId: $id}}) {{
          article {{ {ARTICLE} }} {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("Article", rows["article"])},
        "reader",
        1,
    ),
    "unfavoriteArticle": (
        f"""mutation M($id: ID!) {{ unfavoriteArticle(input: {{articleId: $id}}) {{
          article {{ {ARTICLE} }} {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("Article", rows["favorited"])},
        "reader",
        1,
    ),
    "followUser": (
        f"""mutation M($id: ID!) {{ followUser(input: {{userId: $id}}) {{
          user {{ {USER} followers(first: 3) {{ totalCount edges {{ node {{ username }} }} }} }} {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("User", rows["author"])},
        "reader",
        2,  # the insert, and the user read back to tell a missing one (NOT_FOUND)
    ),
    "unfollowUser": (
        f"""mutation M($id: ID!) {{ unfollowUser(input: {{userId: $id}}) {{
          user {{ {USER} followers(first: 3) {{ totalCount edges {{ node {{ username }} }} }} }} {ERRORS} }} }}""",
        lambda rows: {"id": encode_id("User", rows["followed"])},
        "reader",
        2,
    ),
    "updateViewer": (
        f"""mutation M {{ updateViewer(input: {{bio: "New bio"}}) {{ viewer {{ {VIEWER} }} {ERRORS} }} }}""",
        lambda rows: {},
        "reader",
        1,
    ),
    "register": (
        f"""mutation M {{ register(input: {{username: "newcomer", email: "new@example.com", password: "long pw 12"}}) {{
          viewer {{ {VIEWER} }} {ERRORS} }} }}""",
        lambda rows: {},
        None,
        2,  # the taken-names check, the insert
    ),
    "login": (
        f"""mutation M {{ login(input: {{email: "reader@example.com", password: "{factories.PASSWORD}"}}) {{
          viewer {{ {VIEWER} }} {ERRORS} }} }}""",
        lambda rows: {},
        None,
        3,  # the attempt counted for the account, the credentials, the user row
    ),
}


@pytest.fixture
async def fixed_clock(conn):
    """Rows the writes insert get one fixed time instead of now(), for the duration of the test."""
    defaults = {}
    for table, column in CLOCKED:
        defaults[(table, column)] = await conn.fetchval(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d"
            " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
            " WHERE d.adrelid = $1::regclass AND a.attname = $2",
            table,
            column,
        )
        await conn.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {CLOCK}")
    try:
        yield
    finally:
        for (table, column), default in defaults.items():
            await conn.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}")


async def seed(conn) -> dict[str, int]:
    """The same rows, ids and times every time (identities restart)."""
    await conn.execute(TRUNCATE)
    at = iter(T0 + timedelta(minutes=n) for n in range(100))
    author = await factories.user(conn, "author", bio="Writes.", created_at=next(at))
    reader = await factories.user(conn, "reader", image="https://example.com/r.png", created_at=next(at))
    other = await factories.user(conn, "other", created_at=next(at))
    followed = await factories.user(conn, "followed", created_at=next(at))
    article = await factories.article(conn, author["id"], "Main", tags=("t", "u"), created_at=next(at))
    favorited = await factories.article(conn, followed["id"], "Liked", created_at=next(at))
    for body in ("First", "Second"):
        await factories.comment(conn, article["id"], other["id"], body, created_at=next(at))
    await factories.follow(conn, reader["id"], followed["id"])
    await factories.follow(conn, other["id"], author["id"])
    await factories.favorite(conn, reader["id"], favorited["id"])
    await factories.favorite(conn, other["id"], article["id"])
    await conn.execute("UPDATE articles SET slug = lower(title)")  # the factory numbers slugs across the run
    return {
        "author": author["id"],
        "reader": reader["id"],
        "followed": followed["id"],
        "article": article["id"],
        "favorited": favorited["id"],
    }


async def run_fresh(conn, executor, name: str):
    document, variables, viewer, _ = MUTATIONS[name]
    rows = await seed(conn)
    result = await executor(document, variables(rows), viewer_id=rows[viewer] if viewer else None)
    body = orjson.dumps({"errors": result.errors, "data": result.data})
    stamped = await conn.fetchval("SELECT updated_at FROM articles WHERE id = $1", rows["article"])
    return body, result.statements, stamped.isoformat()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_each_mutation_gets_the_general_paths_response_in_its_writes_plus_one_statement(
    conn, execute, execute_planned, fixed_clock, name
) -> None:
    general, general_statements, general_stamp = await run_fresh(conn, execute, name)
    planned, planned_statements, planned_stamp = await run_fresh(conn, execute_planned, name)

    assert b'"errors":[]' in general and b'"data":{' in general, general
    assert planned.replace(planned_stamp.encode(), general_stamp.encode()) == general
    writes = MUTATIONS[name][3]
    assert planned_statements == writes + 1, (general_statements, planned_statements)
    assert general_statements > planned_statements


SERIAL = f"""
mutation Twice($id: ID!) {{
  first: favoriteArticle(input: {{articleId: $id}}) {{ article {{ favoritesCount tags author {{ followersCount }} }} }}
  second: unfavoriteArticle(input: {{articleId: $id}}) {{
    article {{ favoritesCount tags author {{ followersCount }} }}
  }}
  third: addComment(input: {{articleId: $id, body: "After."}}) {{ comment {{ article {{ {COMMENTS} }} }} }}
}}
"""


async def test_each_mutation_field_reads_its_payload_before_the_next_one_writes(
    conn, execute, execute_planned, fixed_clock
) -> None:
    responses = []
    for executor in (execute, execute_planned):
        rows = await seed(conn)
        result = await executor(SERIAL, {"id": encode_id("Article", rows["article"])}, viewer_id=rows["reader"])
        responses.append((orjson.dumps(result.data), result.errors, result.statements))
    (general, general_errors, _), (planned, planned_errors, statements) = responses
    assert general_errors == planned_errors == []
    assert planned == general
    first, second = orjson.loads(planned)["first"], orjson.loads(planned)["second"]
    assert (first["article"]["favoritesCount"], second["article"]["favoritesCount"]) == (2, 1)
    assert statements == 1 + 1 + 1 + 1 + 2 + 1  # each write and its payload's statement


ERROR_CASES = [
    # A payload error: nothing written, nothing read.
    (MUTATIONS["addComment"][0], {"id": encode_id("Article", 999)}, "reader", 1, "NOT_FOUND"),
    (MUTATIONS["followUser"][0], {"id": encode_id("User", 999)}, "reader", 1, "NOT_FOUND"),
    # The policy refuses: an error response, the same on both paths.
    (MUTATIONS["updateArticle"][0], None, "reader", 1, "FORBIDDEN"),
    # Anonymous: refused before any statement.
    (MUTATIONS["addComment"][0], None, None, 0, "UNAUTHENTICATED"),
]


@pytest.mark.parametrize(("document", "variables", "viewer", "statements", "code"), ERROR_CASES)
async def test_errors_are_the_general_paths_and_cost_no_payload_statement(
    conn, execute, execute_planned, fixed_clock, document, variables, viewer, statements, code
) -> None:
    responses = []
    for executor in (execute, execute_planned):
        rows = await seed(conn)
        given = variables or {"id": encode_id("Article", rows["article"])}
        result = await executor(document, given, viewer_id=rows[viewer] if viewer else None)
        responses.append((orjson.dumps({"errors": result.errors, "data": result.data}), result.statements))
    (general, general_statements), (planned, planned_statements) = responses
    assert planned == general
    assert code.encode() in planned
    assert planned_statements == general_statements == statements


LEAN = {
    "addComment": 'addComment(input: {articleId: $id, body: "Hi"}) { comment { id body createdAt } errors { code } }',
    "favoriteArticle": "favoriteArticle(input: {articleId: $id}) { article { id favoritesCount viewerHasFavorited } }",
    "createArticle": 'createArticle(input: {title: "T", description: "d", body: "b", tags: ["z"]}) '
    "{ article { id slug tags viewerHasFavorited author { id username } } }",
}


@pytest.mark.parametrize("name", sorted(LEAN))
async def test_a_lean_payload_is_planned_too_in_its_writes_plus_one_statement(
    conn, execute, execute_planned, fixed_clock, name
) -> None:
    variables_of = {"id": encode_id("Article", 0)} if "$id" in LEAN[name] else {}
    header = "mutation Lean($id: ID!)" if variables_of else "mutation Lean"
    responses = []
    for executor in (execute, execute_planned):
        rows = await seed(conn)
        variables = {"id": encode_id("Article", rows["article"])} if variables_of else {}
        result = await executor(f"{header} {{ {LEAN[name]} }}", variables, viewer_id=rows["reader"])
        responses.append((orjson.dumps({"errors": result.errors, "data": result.data}), result.statements))
    (general, general_statements), (planned, planned_statements) = responses
    assert planned == general
    assert b'"errors":[]' in planned
    writes = {"addComment": 2, "favoriteArticle": 1, "createArticle": 1}[name]
    assert general_statements == writes  # the write returned all the general path shows
    assert planned_statements == writes + 1
    assert execute_planned.planned.answered["planned"] == 1
