"""Bugs schemathesis found (tests/probes/test_fuzz.py), each pinned by a test."""

import pytest

from graph.auth.tokens import Tokens, signing_secret
from tests import factories


async def token_for(conn, settings) -> tuple[str, dict]:
    user = await factories.user(conn, "alice")
    return Tokens(signing_secret(settings), 3600).issue(user["id"], 0), user


@pytest.mark.parametrize("field", ["title", "description", "body"])
async def test_a_nul_character_in_article_text_is_an_invalid_field_not_an_internal_error(gql, conn, settings, field):
    # Found by fuzzing: PostgreSQL text cannot hold NUL, the INSERT failed, the client got INTERNAL_SERVER_ERROR.
    token, _ = await token_for(conn, settings)
    values = {"title": "t", "description": "d", "body": "b", field: "x\x00y"}
    mutation = """
    mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } errors { field code } } }
    """

    response = await gql(mutation, {"input": values}, token=token)

    assert response.ok()["createArticle"] == {
        "article": None,
        "errors": [{"field": ["input", field], "code": "INVALID"}],
    }
    assert await conn.fetchval("SELECT count(*) FROM articles") == 0


async def test_a_nul_character_in_a_tag_or_comment_is_invalid(gql, conn, settings):
    token, user = await token_for(conn, settings)
    article = await factories.article(conn, user["id"])
    from graph.relay.ids import encode_id

    tagged = await gql(
        'mutation { createArticle(input: {title: "t", description: "d", body: "b", tags: ["a\\u0000"]}) '
        "{ errors { field code } } }",
        token=token,
    )
    commented = await gql(
        'mutation($id: ID!) { addComment(input: {articleId: $id, body: "a\\u0000"}) { errors { field code } } }',
        {"id": encode_id("Article", article["id"])},
        token=token,
    )

    assert tagged.ok()["createArticle"]["errors"] == [{"field": ["input", "tags"], "code": "INVALID"}]
    assert commented.ok()["addComment"]["errors"] == [{"field": ["input", "body"], "code": "INVALID"}]


@pytest.mark.parametrize(
    "query",
    [
        '{ articles(filter: {search: "a\\u0000"}) { totalCount } }',
        '{ articles(filter: {tag: "a\\u0000"}) { edges { node { id } } } }',
        '{ user(username: "a\\u0000") { id } }',
        '{ article(slug: "a\\u0000") { id } }',
        'mutation { login(input: {email: "a\\u0000@example.com", password: "x"}) { token } }',
    ],
)
async def test_a_nul_character_in_any_other_text_argument_is_bad_user_input(gql, query):
    response = await gql(query)
    assert response.codes == ["BAD_USER_INPUT"]
    assert "NUL" in response.errors[0]["message"]
