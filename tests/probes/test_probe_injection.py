"""SQL injection strings in every string argument: each is data, never SQL.

tests/db/test_sql_text.py checks statically that no request value becomes SQL
text; this sends the probe's payloads through the API into every String and
ID argument and input field (a test below keeps the list complete as the
schema grows) and checks what comes back: an ordinary coded answer, nothing
matched by a filter that would match everything if it were SQL, nothing
slept, and text stored exactly as sent.
"""

import time

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, build_schema

from graph.auth.tokens import Tokens, signing_secret
from graph.relay.ids import encode_id
from tests import factories
from tests.servers import ROOT

PAYLOADS = [
    "' OR '1'='1",
    "x'); DROP TABLE users; --",
    "1; SELECT pg_sleep(3) --",
    "' UNION SELECT password_hash FROM users --",
    "%' OR 1=1 --",
    "\\'; --",
    "$1 $$ $tag$",
    '{"$gt": ""}',
]
# Answers a payload may get; anything else (INTERNAL_SERVER_ERROR above all) is a finding.
CODES = {"BAD_USER_INPUT", "INVALID", "NOT_FOUND", "BAD_CREDENTIALS", "TAKEN"}
CONNECTION = "edges { node { id } }"

# (argument path, operation, variables with P for the payload). Each names one String/ID argument or input field.
QUERIES = {
    "Query.node.id": ("query ($p: ID!) { node(id: $p) { id } }", {}),
    "Query.nodes.ids": ("query ($p: ID!) { nodes(ids: [$p]) { id } }", {}),
    "Query.user.username": ("query ($p: String!) { user(username: $p) { id } }", {}),
    "Query.article.slug": ("query ($p: String!) { article(slug: $p) { id } }", {}),
    "Query.articles.after": (f"query ($p: String) {{ articles(after: $p) {{ {CONNECTION} }} }}", {}),
    "Query.articles.before": (f"query ($p: String) {{ articles(last: 1, before: $p) {{ {CONNECTION} }} }}", {}),
    "Query.users.after": (f"query ($p: String) {{ users(after: $p) {{ {CONNECTION} }} }}", {}),
    "Query.users.before": (f"query ($p: String) {{ users(last: 1, before: $p) {{ {CONNECTION} }} }}", {}),
    "ArticleFilter.tag": (f"query ($p: String) {{ articles(filter: {{tag: $p}}) {{ {CONNECTION} }} }}", {}),
    "ArticleFilter.authorUsername": (
        f"query ($p: String) {{ articles(filter: {{authorUsername: $p}}) {{ {CONNECTION} }} }}",
        {},
    ),
    "ArticleFilter.favoritedByUsername": (
        f"query ($p: String) {{ articles(filter: {{favoritedByUsername: $p}}) {{ {CONNECTION} }} }}",
        {},
    ),
    "ArticleFilter.search": (f"query ($p: String) {{ articles(filter: {{search: $p}}) {{ {CONNECTION} }} }}", {}),
    # Every nested connection reads its cursor with the same decoder; these are the other fields that take one.
    "Article.comments.after": (
        f"query ($p: String) {{ articles {{ edges {{ node {{ comments(after: $p) {{ {CONNECTION} }} }} }} }} }}",
        {},
    ),
    "User.articles.after": (
        f"query ($p: String) {{ users {{ edges {{ node {{ articles(after: $p) {{ {CONNECTION} }} }} }} }} }}",
        {},
    ),
    "Viewer.feed.after": (f"query ($p: String) {{ viewer {{ feed(after: $p) {{ {CONNECTION} }} }} }}", {}),
}
REGISTER = "mutation ($i: RegisterInput!) { register(input: $i) { token errors { code } } }"
LOGIN = "mutation ($i: LoginInput!) { login(input: $i) { token errors { code } } }"
UPDATE_VIEWER = "mutation ($i: UpdateViewerInput!) { updateViewer(input: $i) { errors { code } } }"
CREATE = "mutation ($i: CreateArticleInput!) { createArticle(input: $i) { article { id } errors { code } } }"
UPDATE = "mutation ($i: UpdateArticleInput!) { updateArticle(input: $i) { article { id } errors { code } } }"
ARTICLE = {"title": "t", "description": "d", "body": "b"}
MUTATIONS = {
    "RegisterInput.username": (REGISTER, {"username": "P", "email": "new@example.com", "password": "password123"}),
    "RegisterInput.email": (REGISTER, {"username": "newbie", "email": "P", "password": "password123"}),
    "RegisterInput.password": (REGISTER, {"username": "newbie", "email": "new@example.com", "password": "P"}),
    "LoginInput.email": (LOGIN, {"email": "P", "password": "password123"}),
    "LoginInput.password": (LOGIN, {"email": "alice@example.com", "password": "P"}),
    "UpdateViewerInput.username": (UPDATE_VIEWER, {"username": "P"}),
    "UpdateViewerInput.email": (UPDATE_VIEWER, {"email": "P"}),
    "UpdateViewerInput.password": (UPDATE_VIEWER, {"password": "P"}),
    "UpdateViewerInput.bio": (UPDATE_VIEWER, {"bio": "P"}),
    "UpdateViewerInput.image": (UPDATE_VIEWER, {"image": "P"}),
    "FollowUserInput.userId": (
        "mutation ($i: FollowUserInput!) { followUser(input: $i) { errors { code } } }",
        {"userId": "P"},
    ),
    "CreateArticleInput.title": (CREATE, {**ARTICLE, "title": "P"}),
    "CreateArticleInput.description": (CREATE, {**ARTICLE, "description": "P"}),
    "CreateArticleInput.body": (CREATE, {**ARTICLE, "body": "P"}),
    "CreateArticleInput.tags": (CREATE, {**ARTICLE, "tags": ["P"]}),
    "UpdateArticleInput.id": (UPDATE, {"id": "P", "title": "t"}),
    "UpdateArticleInput.title": (UPDATE, {"id": "ARTICLE", "title": "P"}),
    "UpdateArticleInput.description": (UPDATE, {"id": "ARTICLE", "description": "P"}),
    "UpdateArticleInput.body": (UPDATE, {"id": "ARTICLE", "body": "P"}),
    "UpdateArticleInput.tags": (UPDATE, {"id": "ARTICLE", "tags": ["P"]}),
    "DeleteArticleInput.id": (
        "mutation ($i: DeleteArticleInput!) { deleteArticle(input: $i) { errors { code } } }",
        {"id": "P"},
    ),
    "FavoriteArticleInput.articleId": (
        "mutation ($i: FavoriteArticleInput!) { favoriteArticle(input: $i) { errors { code } } }",
        {"articleId": "P"},
    ),
    "AddCommentInput.articleId": (
        "mutation ($i: AddCommentInput!) { addComment(input: $i) { errors { code } } }",
        {"articleId": "P", "body": "b"},
    ),
    "AddCommentInput.body": (
        "mutation ($i: AddCommentInput!) { addComment(input: $i) { comment { id } errors { code } } }",
        {"articleId": "ARTICLE", "body": "P"},
    ),
    "DeleteCommentInput.id": (
        "mutation ($i: DeleteCommentInput!) { deleteComment(input: $i) { errors { code } } }",
        {"id": "P"},
    ),
}


def string_arguments() -> set[str]:
    """Every String or ID argument of a root field and every such input field, as `Type.field[.argument]`."""
    schema = build_schema((ROOT / "schema.graphql").read_text())
    found = set()

    def named(type_):
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        return type_

    for type_name, type_ in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            found |= {
                f"{type_name}.{name}"
                for name, field in type_.fields.items()
                if named(field.type).name in {"String", "ID"}
            }
        elif type_name in {"Query", "Mutation"}:
            for field_name, field in type_.fields.items():
                found |= {
                    f"{type_name}.{field_name}.{name}"
                    for name, arg in field.args.items()
                    if named(arg.type).name in {"String", "ID"}
                }
    return found


def test_every_string_argument_of_the_schema_gets_the_payloads():
    # Nested connection cursors share one decoder: three stand for them (not required here).
    assert string_arguments() <= set(QUERIES) | set(MUTATIONS) | {"Subscription.commentAdded.articleId"}
    assert {path for path in string_arguments() if path.startswith("Query.")} <= set(QUERIES)


@pytest.fixture
async def world(conn, settings):
    alice = await factories.user(conn, "alice")
    article = await factories.article(conn, alice["id"], "Seeded", tags=("seeded",))
    await factories.comment(conn, article["id"], alice["id"], "seeded comment")
    await conn.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", alice["id"], article["id"])
    tokens = Tokens(signing_secret(settings), 3600)
    return {
        "alice": alice,
        "article": encode_id("Article", article["id"]),
        "token": tokens.issue(alice["id"], 0),
        "tokens": tokens,
    }


def substitute(value, payload: str, article: str):
    if isinstance(value, dict):
        return {key: substitute(item, payload, article) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, payload, article) for item in value]
    return {"P": payload, "ARTICLE": article}.get(value, value)


async def state(conn) -> dict:
    """What a successful injection would change: the tables, alice's credentials."""
    return {
        "tables": await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"),
        "alice": tuple(
            await conn.fetchrow("SELECT username, email, password_hash FROM users WHERE username = 'alice'")
        ),
    }


# One test per argument, the payloads in turn: the fixture's rows cost more than a request.
@pytest.mark.parametrize("path", list(QUERIES))
async def test_a_payload_in_a_query_argument_matches_nothing_and_is_coded(gql, conn, world, path):
    query, _ = QUERIES[path]
    before = await state(conn)
    for payload in PAYLOADS:
        started = time.monotonic()

        response = await gql(query, {"p": payload}, token=world["token"])

        assert time.monotonic() - started < 2.5, payload  # pg_sleep(3) never ran
        assert set(response.codes) <= {"BAD_USER_INPUT"}, (payload, response.body)
        if response.codes:
            # Refused (a length bound before any SQL, an ID or cursor that does not decode): nothing answered.
            assert response.data is None or all(value is None for value in response.data.values()), payload
        elif path.startswith("ArticleFilter."):
            # As SQL, `' OR '1'='1` would have matched the seeded article; as text it matches nothing.
            assert response.data == {"articles": {"edges": []}}, payload
        elif path in {"Query.user.username", "Query.article.slug"}:
            assert next(iter(response.data.values())) is None, payload
    assert await state(conn) == before


@pytest.mark.parametrize("path", list(MUTATIONS))
async def test_a_payload_in_a_mutation_input_is_refused_or_stored_as_sent(gql, conn, world, path):
    mutation, fields = MUTATIONS[path]
    before = await state(conn)
    for payload in PAYLOADS:
        started = time.monotonic()

        # A password change (UpdateViewerInput.password) revokes the token: sign in again at the current version.
        version = await conn.fetchval("SELECT token_version FROM users WHERE id = $1", world["alice"]["id"])
        token = world["tokens"].issue(world["alice"]["id"], version)

        response = await gql(mutation, {"i": substitute(fields, payload, world["article"])}, token=token)

        assert time.monotonic() - started < 2.5, payload
        assert set(response.codes) <= {"BAD_USER_INPUT"}, (payload, response.body)
        result = next(iter(response.data.values())) if response.data else {}
        assert {error["code"] for error in (result or {}).get("errors") or []} <= CODES, (payload, response.body)
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        assert tables == before["tables"]
        if (
            path.split(".")[1] in {"title", "description", "body", "bio"}
            and not response.errors
            and not result["errors"]
        ):
            # Stored exactly as sent: the text went in as a parameter, quotes and all.
            stored = await conn.fetchval(
                "SELECT count(*) FROM (SELECT title AS t FROM articles UNION ALL SELECT description FROM articles"
                " UNION ALL SELECT body FROM articles UNION ALL SELECT body FROM comments"
                " UNION ALL SELECT bio FROM users) s WHERE t = $1",
                payload,
            )
            assert stored >= 1, payload
    if not path.startswith(("UpdateViewerInput.", "RegisterInput.")):
        assert await state(conn) == before  # alice's credentials are untouched by anything else
