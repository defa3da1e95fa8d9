"""The benchmark's write mutations send one statement each, and their payloads match a fresh read.

createArticle, favoriteArticle and unfavoriteArticle each write in one
statement that also returns what the payload shows, so the payload needs no
reads; the token check (not counted here: the executor has no HTTP request)
adds one statement per signed-in request.
"""

from graph.relay.ids import encode_id
from tests import factories

ARTICLE_FIELDS = """
  id slug title description body tags createdAt updatedAt favoritesCount viewerHasFavorited
  author { id username bio image }
"""
CREATE = f"""
mutation Create($input: CreateArticleInput!) {{
  createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} errors {{ field code }} }}
}}
"""
FAVORITE = f"""
mutation Favorite($id: ID!) {{
  favoriteArticle(input: {{articleId: $id}}) {{ article {{ {ARTICLE_FIELDS} }} errors {{ field code }} }}
}}
"""
UNFAVORITE = FAVORITE.replace("favoriteArticle", "unfavoriteArticle").replace("Favorite(", "Unfavorite(")
READ = f"query Read($slug: String!) {{ article(slug: $slug) {{ {ARTICLE_FIELDS} }} }}"


def _input(**overrides) -> dict:
    return {"title": "Written once", "description": "d", "body": "b", "tags": ["Zeta", "alpha", "mid"], **overrides}


async def test_create_article_is_one_statement_and_its_payload_is_what_a_read_shows(conn, execute):
    me = await factories.user(conn, "writer", bio="Bio", image="https://example.com/me.png")

    created = await execute(CREATE, {"input": _input()}, viewer_id=me["id"])

    assert not created.errors, created.errors
    assert created.statements == 1
    payload = created.data["createArticle"]
    assert payload["errors"] == []
    article = payload["article"]
    assert article["tags"] == ["alpha", "mid", "zeta"]
    assert article["author"]["username"] == "writer"
    read = await execute(READ, {"slug": article["slug"]}, viewer_id=me["id"])
    assert read.data["article"] == article
    stored = await conn.fetch("SELECT name, articles_count FROM tags ORDER BY name")
    assert [tuple(row) for row in stored] == [("alpha", 1), ("mid", 1), ("zeta", 1)]


async def test_create_article_without_tags_is_one_statement(conn, execute):
    me = await factories.user(conn, "writer")

    created = await execute(CREATE, {"input": _input(tags=[])}, viewer_id=me["id"])

    assert created.statements == 1
    article = created.data["createArticle"]["article"]
    assert article["tags"] == []
    assert (await execute(READ, {"slug": article["slug"]}, viewer_id=me["id"])).data["article"] == article


async def test_create_article_with_a_taken_slug_writes_nothing_then_tries_another(conn, execute):
    me = await factories.user(conn, "writer")
    taken = await factories.article(conn, me["id"], "Written once")
    await conn.execute("UPDATE articles SET slug = 'written-once' WHERE id = $1", taken["id"])
    before = await conn.fetchval("SELECT count(*) FROM tags")

    created = await execute(CREATE, {"input": _input(tags=["fresh"])}, viewer_id=me["id"])

    assert created.statements == 2  # the taken slug, then one with a suffix
    article = created.data["createArticle"]["article"]
    assert article["slug"].startswith("written-once-")
    assert article["tags"] == ["fresh"]
    assert await conn.fetchval("SELECT count(*) FROM tags") == before + 1
    assert await conn.fetchval("SELECT articles_count FROM tags WHERE name = 'fresh'") == 1


async def test_an_invalid_create_article_sends_no_statement(conn, execute):
    me = await factories.user(conn, "writer")

    created = await execute(CREATE, {"input": _input(title=" ")}, viewer_id=me["id"])

    assert created.statements == 0
    assert created.data["createArticle"] == {
        "article": None,
        "errors": [{"field": ["input", "title"], "code": "INVALID"}],
    }


async def test_favorite_and_unfavorite_are_one_statement_each_and_their_payloads_are_what_a_read_shows(conn, execute):
    author, fan, other = [await factories.user(conn, name) for name in ("author", "fan", "other")]
    article = await factories.article(conn, author["id"], tags=("t",))
    await factories.favorite(conn, other["id"], article["id"])
    variables = {"id": encode_id("Article", article["id"])}

    for document, field, count, favorited in (
        (FAVORITE, "favoriteArticle", 2, True),
        (FAVORITE, "favoriteArticle", 2, True),  # idempotent
        (UNFAVORITE, "unfavoriteArticle", 1, False),
        (UNFAVORITE, "unfavoriteArticle", 1, False),
    ):
        result = await execute(document, variables, viewer_id=fan["id"])
        assert not result.errors, result.errors
        # The write, then the tags and the author (who is not the viewer); the
        # counter and viewerHasFavorited come with the write.
        assert result.statements == 3
        payload = result.data[field]
        assert payload["errors"] == []
        assert (payload["article"]["favoritesCount"], payload["article"]["viewerHasFavorited"]) == (count, favorited)
        read = await execute(READ, {"slug": article["slug"]}, viewer_id=fan["id"])
        assert read.data["article"] == payload["article"]
        assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == count


BENCH_M2 = """
mutation M2($id: ID!, $favorite: Boolean!) {
  favoriteArticle(input: {articleId: $id}) @include(if: $favorite) {
    article { id favoritesCount viewerHasFavorited } errors { message }
  }
  unfavoriteArticle(input: {articleId: $id}) @skip(if: $favorite) {
    article { id favoritesCount viewerHasFavorited } errors { message }
  }
}
"""


async def test_the_benchmarks_favorite_pair_is_one_statement_per_request(conn, execute):
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    article = await factories.article(conn, author["id"])
    article_id = encode_id("Article", article["id"])

    for favorite, field, count in ((True, "favoriteArticle", 1), (False, "unfavoriteArticle", 0)):
        result = await execute(BENCH_M2, {"id": article_id, "favorite": favorite}, viewer_id=fan["id"])
        assert result.statements == 1
        assert result.data == {
            field: {
                "article": {"id": article_id, "favoritesCount": count, "viewerHasFavorited": favorite},
                "errors": [],
            }
        }


async def test_favoriting_an_unknown_article_is_one_statement_and_writes_nothing(conn, execute):
    fan = await factories.user(conn, "fan")

    for document, field in ((FAVORITE, "favoriteArticle"), (UNFAVORITE, "unfavoriteArticle")):
        result = await execute(document, {"id": encode_id("Article", 424242)}, viewer_id=fan["id"])
        assert result.statements == 1
        assert result.data[field] == {
            "article": None,
            "errors": [{"field": ["input", "articleId"], "code": "NOT_FOUND"}],
        }
    assert await conn.fetchval("SELECT count(*) FROM favorites") == 0


ISSUE_ADD_COMMENT = """
mutation AddComment($id: ID!, $body: String!) {
  addComment(input: {articleId: $id, body: $body}) {
    comment {
      id body createdAt
      author { id username image }
      article { id title comments(first: 5) { edges { node { id body author { id username } } } } }
    }
    errors { field message code }
  }
}
"""


async def test_the_issues_add_comment_is_its_two_writes_plus_one_statement_planned(
    conn, execute, execute_planned
) -> None:
    author, reader = await factories.user(conn, "author"), await factories.user(conn, "reader")
    article = await factories.article(conn, author["id"])
    await factories.comment(conn, article["id"], author["id"], "Earlier")
    variables = {"id": encode_id("Article", article["id"]), "body": "Mine"}

    general = await execute(ISSUE_ADD_COMMENT, variables, viewer_id=reader["id"])
    planned = await execute_planned(ISSUE_ADD_COMMENT, variables, viewer_id=reader["id"])

    assert not general.errors and not planned.errors
    # The insert and its NOTIFY; then the general path reads the author, the
    # article, its comments page and their authors, the planner one statement.
    assert (general.statements, planned.statements) == (6, 3)
    bodies = [edge["node"]["body"] for edge in planned.data["addComment"]["comment"]["article"]["comments"]["edges"]]
    assert bodies == ["Earlier", "Mine", "Mine"]  # its own comment, and the general path's before it


async def test_a_rich_favorite_payload_is_the_write_plus_one_statement_planned(conn, execute_planned) -> None:
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    article = await factories.article(conn, author["id"], tags=("t",))

    result = await execute_planned(FAVORITE, {"id": encode_id("Article", article["id"])}, viewer_id=fan["id"])

    assert not result.errors, result.errors
    assert result.statements == 2  # the write; tags and author in one statement (3 on the general path)
    assert result.data["favoriteArticle"]["article"]["tags"] == ["t"]
    assert result.data["favoriteArticle"]["article"]["author"]["username"] == "author"
