"""Every write mutation, with what it leaves in the database."""

from datetime import UTC, datetime, timedelta

import pytest

from graph.auth.tokens import Tokens, signing_secret
from graph.relay.ids import encode_id
from tests import factories

USER_ERRORS = "errors { field message code }"

FOLLOW = f"""
mutation Follow($id: ID!) {{
  followUser(input: {{userId: $id}}) {{
    user {{ id username followersCount viewerIsFollowing }}
    {USER_ERRORS}
  }}
}}
"""
UNFOLLOW = FOLLOW.replace("followUser", "unfollowUser").replace("Follow(", "Unfollow(")

ARTICLE_FIELDS = """
  id slug title description body tags createdAt updatedAt favoritesCount viewerHasFavorited
  author { username }
"""
CREATE = f"""
mutation Create($input: CreateArticleInput!) {{
  createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} {USER_ERRORS} }}
}}
"""
UPDATE = f"""
mutation Update($input: UpdateArticleInput!) {{
  updateArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} {USER_ERRORS} }}
}}
"""
DELETE = f"""
mutation Delete($id: ID!) {{ deleteArticle(input: {{id: $id}}) {{ deletedArticleId {USER_ERRORS} }} }}
"""
FAVORITE = f"""
mutation Favorite($id: ID!) {{
  favoriteArticle(input: {{articleId: $id}}) {{
    article {{ id favoritesCount viewerHasFavorited }}
    {USER_ERRORS}
  }}
}}
"""
UNFAVORITE = FAVORITE.replace("favoriteArticle", "unfavoriteArticle").replace("Favorite(", "Unfavorite(")
ADD_COMMENT = f"""
mutation Add($id: ID!, $body: String!) {{
  addComment(input: {{articleId: $id, body: $body}}) {{
    comment {{ id body author {{ username }} article {{ id }} }} {USER_ERRORS}
  }}
}}
"""
DELETE_COMMENT = f"""
mutation DeleteComment($id: ID!) {{ deleteComment(input: {{id: $id}}) {{ deletedCommentId {USER_ERRORS} }} }}
"""
FEED = """
query Feed($first: Int) {
  viewer { feed(first: $first) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { title author { username } } }
  } }
}
"""

TABLES = ("users", "follows", "articles", "tags", "article_tags", "favorites", "comments")


@pytest.fixture
def sign_in(settings):
    tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
    return lambda user: tokens.issue(user["id"], user["token_version"])


def uid(row) -> str:
    return encode_id("User", row["id"])


def aid(row) -> str:
    return encode_id("Article", row["id"])


def cid(row) -> str:
    return encode_id("Comment", row["id"])


async def snapshot(conn) -> dict:
    """Every row of every table, to prove a refused write changed nothing."""
    rows = {}
    for table in TABLES:  # names from the constant above, never from input
        rows[table] = [tuple(row) for row in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]  # noqa: S608
    return rows


def only_error(payload: dict) -> dict:
    assert len(payload["errors"]) == 1, payload["errors"]
    return payload["errors"][0]


def article_input(**overrides) -> dict:
    return {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe.",
        **overrides,
    }


# --- follow / unfollow ---------------------------------------------------------------------------------


async def test_following_twice_leaves_one_follow_and_counts_one_follower(gql, conn, sign_in):
    reader, writer = await factories.user(conn, "reader"), await factories.user(conn, "writer")

    for _ in range(2):
        payload = (await gql(FOLLOW, {"id": uid(writer)}, token=sign_in(reader))).ok()["followUser"]
        assert payload["errors"] == []
        assert payload["user"] == {
            "id": uid(writer),
            "username": "writer",
            "followersCount": 1,
            "viewerIsFollowing": True,
        }

    rows = await conn.fetch("SELECT follower_id, followee_id FROM follows")
    assert [tuple(row) for row in rows] == [(reader["id"], writer["id"])]


async def test_unfollowing_twice_removes_the_follow_and_counts_zero_followers(gql, conn, sign_in):
    reader, writer = await factories.user(conn, "reader"), await factories.user(conn, "writer")
    other = await factories.user(conn, "other")
    await factories.follow(conn, reader["id"], writer["id"])
    await factories.follow(conn, other["id"], writer["id"])

    for _ in range(2):
        payload = (await gql(UNFOLLOW, {"id": uid(writer)}, token=sign_in(reader))).ok()["unfollowUser"]
        assert payload["errors"] == []
        assert payload["user"]["followersCount"] == 1
        assert payload["user"]["viewerIsFollowing"] is False

    rows = await conn.fetch("SELECT follower_id, followee_id FROM follows")
    assert [tuple(row) for row in rows] == [(other["id"], writer["id"])]


async def test_following_yourself_is_invalid_and_writes_nothing(gql, conn, sign_in):
    me = await factories.user(conn, "narcissus")

    payload = (await gql(FOLLOW, {"id": uid(me)}, token=sign_in(me))).ok()["followUser"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("INVALID", ["input", "userId"])
    assert payload["user"] is None
    assert await conn.fetchval("SELECT count(*) FROM follows") == 0


@pytest.mark.parametrize("mutation, name", [(FOLLOW, "followUser"), (UNFOLLOW, "unfollowUser")])
async def test_following_an_unknown_user_is_not_found(gql, conn, sign_in, mutation, name):
    me = await factories.user(conn, "reader")

    payload = (await gql(mutation, {"id": encode_id("User", 987654)}, token=sign_in(me))).ok()[name]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "userId"])
    assert payload["user"] is None
    assert await conn.fetchval("SELECT count(*) FROM follows") == 0


async def test_following_with_an_article_id_is_bad_user_input(gql, conn, sign_in):
    me, writer = await factories.user(conn, "reader"), await factories.user(conn, "writer")
    article = await factories.article(conn, writer["id"])

    response = await gql(FOLLOW, {"id": aid(article)}, token=sign_in(me))

    assert response.codes == ["BAD_USER_INPUT"]
    assert response.data is None
    assert await conn.fetchval("SELECT count(*) FROM follows") == 0


# --- createArticle -------------------------------------------------------------------------------------


async def test_create_article_derives_the_slug_from_the_title_and_stores_the_row(gql, conn, sign_in):
    me = await factories.user(conn, "author")

    payload = (await gql(CREATE, {"input": article_input(title="  Ça va? Hello, World!  ")}, token=sign_in(me))).ok()[
        "createArticle"
    ]

    assert payload["errors"] == []
    article = payload["article"]
    assert article["slug"] == "ca-va-hello-world"
    assert article["title"] == "Ça va? Hello, World!"
    assert article["author"] == {"username": "author"}
    assert (article["favoritesCount"], article["viewerHasFavorited"], article["tags"]) == (0, False, [])
    row = await conn.fetchrow("SELECT * FROM articles")
    assert article["id"] == aid(row)
    assert (row["slug"], row["author_id"], row["body"]) == (
        "ca-va-hello-world",
        me["id"],
        "You have to believe.",
    )


async def test_a_second_article_with_the_same_title_gets_another_slug_that_starts_with_the_first(gql, conn, sign_in):
    me, other = await factories.user(conn, "author"), await factories.user(conn, "other")

    first = (await gql(CREATE, {"input": article_input()}, token=sign_in(me))).ok()["createArticle"]["article"]
    second = (await gql(CREATE, {"input": article_input()}, token=sign_in(other))).ok()["createArticle"]["article"]

    assert first["slug"] == "how-to-train-your-dragon"
    assert second["slug"] != first["slug"]
    assert second["slug"].startswith(first["slug"] + "-")
    slugs = {row["slug"] for row in await conn.fetch("SELECT slug FROM articles")}
    assert slugs == {first["slug"], second["slug"]}


async def test_create_article_trims_lowercases_deduplicates_and_sorts_tags(gql, conn, sign_in):
    me = await factories.user(conn, "author")
    tags = ["  Python ", "python", "GraphQL", "asyncio", "PYTHON", "zebra"]

    payload = (await gql(CREATE, {"input": article_input(tags=tags)}, token=sign_in(me))).ok()["createArticle"]

    assert payload["errors"] == []
    assert payload["article"]["tags"] == ["asyncio", "graphql", "python", "zebra"]
    stored = await conn.fetch("SELECT name, articles_count FROM tags ORDER BY name")
    assert [tuple(row) for row in stored] == [("asyncio", 1), ("graphql", 1), ("python", 1), ("zebra", 1)]
    assert await conn.fetchval("SELECT count(*) FROM article_tags") == 4


async def test_create_article_accepts_ten_tags_of_32_characters(gql, conn, sign_in):
    me = await factories.user(conn, "author")
    tags = [f"{i}" + "t" * 31 for i in range(10)]

    payload = (await gql(CREATE, {"input": article_input(tags=tags)}, token=sign_in(me))).ok()["createArticle"]

    assert payload["errors"] == []
    assert payload["article"]["tags"] == sorted(tags)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"tags": [f"tag{i}" for i in range(11)]}, "tags"),
        ({"tags": ["ok", "t" * 33]}, "tags"),
        ({"tags": ["ok", "   "]}, "tags"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "b" * 100_001}, "body"),
        ({"description": "d" * 501}, "description"),
    ],
    ids=[
        "eleven tags",
        "33-char tag",
        "blank tag",
        "empty title",
        "blank title",
        "long title",
        "empty body",
        "long body",
        "long description",
    ],
)
async def test_create_article_with_an_invalid_value_is_invalid_and_writes_nothing(gql, conn, sign_in, overrides, field):
    me = await factories.user(conn, "author")
    before = await snapshot(conn)

    payload = (await gql(CREATE, {"input": article_input(**overrides)}, token=sign_in(me))).ok()["createArticle"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("INVALID", ["input", field])
    assert payload["article"] is None
    assert await snapshot(conn) == before


# --- updateArticle -------------------------------------------------------------------------------------


async def _old_article(conn, author, **kwargs):
    return await factories.article(
        conn, author["id"], "Original title", created_at=datetime.now(UTC) - timedelta(days=1), **kwargs
    )


async def test_update_article_by_its_author_changes_title_keeps_slug_replaces_tags_and_moves_updated_at(
    gql, conn, sign_in
):
    me = await factories.user(conn, "author")
    article = await _old_article(conn, me, tags=("alpha", "beta"), body="Old body.", description="Old description.")

    payload = (
        await gql(
            UPDATE,
            {"input": {"id": aid(article), "title": "A new title", "tags": ["Gamma", "beta"]}},
            token=sign_in(me),
        )
    ).ok()["updateArticle"]

    assert payload["errors"] == []
    shown = payload["article"]
    assert shown["title"] == "A new title"
    assert shown["slug"] == article["slug"]
    assert shown["tags"] == ["beta", "gamma"]
    assert (shown["description"], shown["body"]) == ("Old description.", "Old body.")
    assert datetime.fromisoformat(shown["updatedAt"]) > article["updated_at"]
    assert datetime.fromisoformat(shown["createdAt"]) == article["created_at"]

    row = await conn.fetchrow("SELECT * FROM articles WHERE id = $1", article["id"])
    assert (row["title"], row["slug"], row["body"]) == ("A new title", article["slug"], "Old body.")
    assert row["updated_at"] > article["updated_at"]
    counts = dict(await conn.fetch("SELECT name, articles_count FROM tags"))
    assert counts == {"alpha": 0, "beta": 1, "gamma": 1}


@pytest.mark.parametrize("tags, expected", [(None, ["alpha", "beta"]), ([], [])], ids=["null keeps", "empty clears"])
async def test_update_article_tags_null_keeps_them_and_empty_clears_them(gql, conn, sign_in, tags, expected):
    me = await factories.user(conn, "author")
    article = await _old_article(conn, me, tags=("alpha", "beta"))

    payload = (
        await gql(UPDATE, {"input": {"id": aid(article), "body": "New body.", "tags": tags}}, token=sign_in(me))
    ).ok()["updateArticle"]

    assert payload["errors"] == []
    assert payload["article"]["tags"] == expected
    assert payload["article"]["body"] == "New body."
    stored = await conn.fetch(
        "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = $1 ORDER BY 1",
        article["id"],
    )
    assert [row["name"] for row in stored] == expected


async def test_update_article_by_another_user_is_forbidden_and_changes_nothing(gql, conn, sign_in):
    author, intruder = await factories.user(conn, "author"), await factories.user(conn, "intruder")
    article = await _old_article(conn, author, tags=("alpha",))
    before = await snapshot(conn)

    response = await gql(
        UPDATE, {"input": {"id": aid(article), "title": "Pwned", "tags": ["spam"]}}, token=sign_in(intruder)
    )

    assert response.codes == ["FORBIDDEN"]
    assert response.data is None
    assert await snapshot(conn) == before


async def test_update_article_with_an_invalid_title_is_invalid_and_changes_nothing(gql, conn, sign_in):
    me = await factories.user(conn, "author")
    article = await _old_article(conn, me, tags=("alpha",))
    before = await snapshot(conn)

    payload = (
        await gql(UPDATE, {"input": {"id": aid(article), "title": " ", "tags": ["beta"]}}, token=sign_in(me))
    ).ok()["updateArticle"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("INVALID", ["input", "title"])
    assert await snapshot(conn) == before


async def test_update_article_with_an_unknown_id_is_not_found(gql, conn, sign_in):
    me = await factories.user(conn, "author")

    payload = (
        await gql(UPDATE, {"input": {"id": encode_id("Article", 424242), "title": "New"}}, token=sign_in(me))
    ).ok()["updateArticle"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "id"])
    assert payload["article"] is None


# --- deleteArticle -------------------------------------------------------------------------------------


async def test_delete_article_by_its_author_cascades_to_comments_favorites_and_tag_counts(gql, conn, sign_in):
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    doomed = await factories.article(conn, author["id"], tags=("shared", "lonely"))
    kept = await factories.article(conn, author["id"], tags=("shared",))
    for article in (doomed, kept):
        await factories.comment(conn, article["id"], fan["id"])
        await factories.favorite(conn, fan["id"], article["id"])
    await factories.favorite(conn, author["id"], doomed["id"])

    payload = (await gql(DELETE, {"id": aid(doomed)}, token=sign_in(author))).ok()["deleteArticle"]

    assert payload == {"deletedArticleId": aid(doomed), "errors": []}
    assert [row["id"] for row in await conn.fetch("SELECT id FROM articles")] == [kept["id"]]
    assert [row["article_id"] for row in await conn.fetch("SELECT article_id FROM comments")] == [kept["id"]]
    assert [row["article_id"] for row in await conn.fetch("SELECT article_id FROM favorites")] == [kept["id"]]
    assert [row["article_id"] for row in await conn.fetch("SELECT article_id FROM article_tags")] == [kept["id"]]
    assert dict(await conn.fetch("SELECT name, articles_count FROM tags")) == {"shared": 1, "lonely": 0}


async def test_delete_article_by_another_user_is_forbidden_and_deletes_nothing(gql, conn, sign_in):
    author, intruder = await factories.user(conn, "author"), await factories.user(conn, "intruder")
    article = await factories.article(conn, author["id"], tags=("alpha",))
    await factories.comment(conn, article["id"], intruder["id"])
    before = await snapshot(conn)

    response = await gql(DELETE, {"id": aid(article)}, token=sign_in(intruder))

    assert response.codes == ["FORBIDDEN"]
    assert response.data is None
    assert await snapshot(conn) == before


async def test_delete_article_with_an_unknown_id_is_not_found(gql, conn, sign_in):
    me = await factories.user(conn, "author")

    payload = (await gql(DELETE, {"id": encode_id("Article", 424242)}, token=sign_in(me))).ok()["deleteArticle"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "id"])
    assert payload["deletedArticleId"] is None


# --- favorite / unfavorite -----------------------------------------------------------------------------


async def test_favoriting_twice_counts_once_and_the_payload_shows_it(gql, conn, sign_in):
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    article = await factories.article(conn, author["id"])
    await factories.favorite(conn, author["id"], article["id"])

    for _ in range(2):
        payload = (await gql(FAVORITE, {"id": aid(article)}, token=sign_in(fan))).ok()["favoriteArticle"]
        assert payload["errors"] == []
        assert payload["article"] == {"id": aid(article), "favoritesCount": 2, "viewerHasFavorited": True}

    assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == 2
    assert await conn.fetchval("SELECT count(*) FROM favorites WHERE user_id = $1", fan["id"]) == 1


async def test_unfavoriting_twice_removes_the_favorite_and_the_payload_shows_it(gql, conn, sign_in):
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    article = await factories.article(conn, author["id"])
    await factories.favorite(conn, author["id"], article["id"])
    await factories.favorite(conn, fan["id"], article["id"])

    for _ in range(2):
        payload = (await gql(UNFAVORITE, {"id": aid(article)}, token=sign_in(fan))).ok()["unfavoriteArticle"]
        assert payload["errors"] == []
        assert payload["article"] == {"id": aid(article), "favoritesCount": 1, "viewerHasFavorited": False}

    assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == 1
    assert await conn.fetchval("SELECT count(*) FROM favorites WHERE user_id = $1", fan["id"]) == 0


@pytest.mark.parametrize(
    "mutation, name",
    [(FAVORITE, "favoriteArticle"), (UNFAVORITE, "unfavoriteArticle")],
    ids=["favorite", "unfavorite"],
)
async def test_favoriting_an_unknown_article_is_not_found(gql, conn, sign_in, mutation, name):
    fan = await factories.user(conn, "fan")

    payload = (await gql(mutation, {"id": encode_id("Article", 424242)}, token=sign_in(fan))).ok()[name]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "articleId"])
    assert payload["article"] is None
    assert await conn.fetchval("SELECT count(*) FROM favorites") == 0


# --- addComment ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["x", "  trimmed  ", "c" * 10_000], ids=["one char", "padded", "10000 chars"])
async def test_add_comment_stores_the_trimmed_body(gql, conn, sign_in, body):
    author, reader = await factories.user(conn, "author"), await factories.user(conn, "reader")
    article = await factories.article(conn, author["id"])

    payload = (await gql(ADD_COMMENT, {"id": aid(article), "body": body}, token=sign_in(reader))).ok()["addComment"]

    assert payload["errors"] == []
    comment = payload["comment"]
    assert comment["body"] == body.strip()
    assert comment["author"] == {"username": "reader"}
    assert comment["article"] == {"id": aid(article)}
    row = await conn.fetchrow("SELECT * FROM comments")
    assert comment["id"] == cid(row)
    assert (row["article_id"], row["author_id"], row["body"]) == (article["id"], reader["id"], body.strip())


@pytest.mark.parametrize("body", ["", "   ", "c" * 10_001], ids=["empty", "blank", "10001 chars"])
async def test_add_comment_with_a_body_out_of_bounds_is_invalid_and_writes_nothing(gql, conn, sign_in, body):
    author = await factories.user(conn, "author")
    article = await factories.article(conn, author["id"])

    payload = (await gql(ADD_COMMENT, {"id": aid(article), "body": body}, token=sign_in(author))).ok()["addComment"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("INVALID", ["input", "body"])
    assert payload["comment"] is None
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0


async def test_add_comment_to_an_unknown_article_is_not_found(gql, conn, sign_in):
    reader = await factories.user(conn, "reader")

    payload = (await gql(ADD_COMMENT, {"id": encode_id("Article", 424242), "body": "Hi"}, token=sign_in(reader))).ok()[
        "addComment"
    ]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "articleId"])
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0


# --- deleteComment -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["comment author", "article author"])
async def test_delete_comment_is_allowed_to_the_comment_and_the_article_author(gql, conn, sign_in, who):
    article_author, commenter = await factories.user(conn, "author"), await factories.user(conn, "commenter")
    article = await factories.article(conn, article_author["id"])
    doomed = await factories.comment(conn, article["id"], commenter["id"])
    kept = await factories.comment(conn, article["id"], commenter["id"])
    deleter = commenter if who == "comment author" else article_author

    payload = (await gql(DELETE_COMMENT, {"id": cid(doomed)}, token=sign_in(deleter))).ok()["deleteComment"]

    assert payload == {"deletedCommentId": cid(doomed), "errors": []}
    assert [row["id"] for row in await conn.fetch("SELECT id FROM comments")] == [kept["id"]]


async def test_delete_comment_by_a_third_user_is_forbidden_and_deletes_nothing(gql, conn, sign_in):
    article_author, commenter = await factories.user(conn, "author"), await factories.user(conn, "commenter")
    bystander = await factories.user(conn, "bystander")
    article = await factories.article(conn, article_author["id"])
    comment = await factories.comment(conn, article["id"], commenter["id"])

    response = await gql(DELETE_COMMENT, {"id": cid(comment)}, token=sign_in(bystander))

    assert response.codes == ["FORBIDDEN"]
    assert response.data is None
    assert [row["id"] for row in await conn.fetch("SELECT id FROM comments")] == [comment["id"]]


async def test_delete_comment_with_an_unknown_id_is_not_found(gql, conn, sign_in):
    me = await factories.user(conn, "author")

    payload = (await gql(DELETE_COMMENT, {"id": encode_id("Comment", 424242)}, token=sign_in(me))).ok()["deleteComment"]

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "id"])
    assert payload["deletedCommentId"] is None


# --- without a token -----------------------------------------------------------------------------------


async def test_every_mutation_without_a_token_is_unauthenticated_and_writes_nothing(gql, conn):
    author, other = await factories.user(conn, "author"), await factories.user(conn, "other")
    article = await factories.article(conn, author["id"], tags=("alpha",))
    comment = await factories.comment(conn, article["id"], author["id"])
    before = await snapshot(conn)

    attempts = [
        (FOLLOW, {"id": uid(other)}),
        (UNFOLLOW, {"id": uid(other)}),
        (CREATE, {"input": article_input(tags=["new"])}),
        (UPDATE, {"input": {"id": aid(article), "title": "Changed"}}),
        (DELETE, {"id": aid(article)}),
        (FAVORITE, {"id": aid(article)}),
        (UNFAVORITE, {"id": aid(article)}),
        (ADD_COMMENT, {"id": aid(article), "body": "Hello"}),
        (DELETE_COMMENT, {"id": cid(comment)}),
    ]
    for mutation, variables in attempts:
        response = await gql(mutation, variables)
        assert response.codes == ["UNAUTHENTICATED"], mutation
        assert response.data is None, mutation

    assert await snapshot(conn) == before


# --- feed ----------------------------------------------------------------------------------------------


async def test_feed_lists_articles_of_followed_users_newest_first_with_a_total(gql, conn, sign_in):
    reader = await factories.user(conn, "reader")
    followed = [await factories.user(conn, "ann"), await factories.user(conn, "ben")]
    stranger = await factories.user(conn, "stranger")
    for user in followed:
        await factories.follow(conn, reader["id"], user["id"])
    await factories.follow(conn, stranger["id"], followed[0]["id"])
    start = datetime(2024, 1, 1, tzinfo=UTC)
    authors = [followed[0], stranger, followed[1], reader, followed[0], followed[1], stranger]
    for hour, author in enumerate(authors):
        await factories.article(conn, author["id"], f"Post {hour}", created_at=start + timedelta(hours=hour))

    everything = (await gql(FEED, {"first": 10}, token=sign_in(reader))).ok()["viewer"]["feed"]

    assert everything["totalCount"] == 4
    assert everything["pageInfo"]["hasNextPage"] is False
    assert [(edge["node"]["title"], edge["node"]["author"]["username"]) for edge in everything["edges"]] == [
        ("Post 5", "ben"),
        ("Post 4", "ann"),
        ("Post 2", "ben"),
        ("Post 0", "ann"),
    ]

    page = (await gql(FEED, {"first": 2}, token=sign_in(reader))).ok()["viewer"]["feed"]
    assert page["totalCount"] == 4
    assert page["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["title"] for edge in page["edges"]] == ["Post 5", "Post 4"]


async def test_feed_of_a_viewer_who_follows_nobody_is_empty(gql, conn, sign_in):
    reader, writer = await factories.user(conn, "reader"), await factories.user(conn, "writer")
    await factories.article(conn, writer["id"])

    feed = (await gql(FEED, {"first": 10}, token=sign_in(reader))).ok()["viewer"]["feed"]

    assert feed == {"totalCount": 0, "pageInfo": {"hasNextPage": False}, "edges": []}
