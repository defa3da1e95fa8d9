"""Concurrent writers over HTTP: counters stay exact and unique names stay unique.

The app's pool has 10 connections; 20 requests at once also prove that a
burst queues for connections instead of failing.
"""

import asyncio
import itertools

import pytest

from graph.auth.tokens import Tokens, signing_secret
from graph.relay.ids import encode_id
from tests import factories

FAVORITE = """
mutation Favorite($id: ID!) {
  favoriteArticle(input: {articleId: $id}) { article { favoritesCount viewerHasFavorited } errors { code } }
}
"""
UNFAVORITE = FAVORITE.replace("favoriteArticle", "unfavoriteArticle").replace("Favorite(", "Unfavorite(")
FOLLOW = """
mutation Follow($id: ID!) { followUser(input: {userId: $id}) { user { followersCount } errors { code } } }
"""
ARTICLE = "query Article($slug: String!) { article(slug: $slug) { favoritesCount } }"
REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { token viewer { user { username } } errors { field code } }
}
"""


@pytest.fixture
def sign_in(settings):
    tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
    return lambda user: tokens.issue(user["id"], 0)


async def test_twenty_users_favoriting_one_article_at_once_count_twenty(gql, conn, sign_in):
    author = await factories.user(conn, "author")
    article = await factories.article(conn, author["id"])
    fans = [await factories.user(conn, f"fan{i}") for i in range(20)]

    responses = await asyncio.gather(
        *(gql(FAVORITE, {"id": encode_id("Article", article["id"])}, token=sign_in(fan)) for fan in fans)
    )

    for response in responses:
        payload = response.ok()["favoriteArticle"]
        assert payload["errors"] == []
        assert payload["article"]["viewerHasFavorited"] is True
        assert 1 <= payload["article"]["favoritesCount"] <= 20
    assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == 20
    assert await conn.fetchval("SELECT count(*) FROM favorites WHERE article_id = $1", article["id"]) == 20
    shown = (await gql(ARTICLE, {"slug": article["slug"]})).ok()
    assert shown["article"]["favoritesCount"] == 20


async def test_one_user_favoriting_an_article_five_times_at_once_counts_once(gql, conn, sign_in):
    author, fan = await factories.user(conn, "author"), await factories.user(conn, "fan")
    article = await factories.article(conn, author["id"])

    responses = await asyncio.gather(
        *(gql(FAVORITE, {"id": encode_id("Article", article["id"])}, token=sign_in(fan)) for _ in range(5))
    )

    for response in responses:
        assert response.ok()["favoriteArticle"] == {
            "article": {"favoritesCount": 1, "viewerHasFavorited": True},
            "errors": [],
        }
    assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == 1
    assert await conn.fetchval("SELECT count(*) FROM favorites") == 1
    assert (await gql(ARTICLE, {"slug": article["slug"]})).ok()["article"]["favoritesCount"] == 1


async def test_favorites_and_unfavorites_racing_leave_the_counter_equal_to_the_rows(gql, conn, sign_in):
    author = await factories.user(conn, "author")
    article = await factories.article(conn, author["id"])
    fans = [await factories.user(conn, f"fan{i}") for i in range(20)]
    for fan in fans[:10]:
        await factories.favorite(conn, fan["id"], article["id"])
    article_id = encode_id("Article", article["id"])

    # The first ten take theirs back while the other ten add theirs, twice each.
    requests = [gql(UNFAVORITE, {"id": article_id}, token=sign_in(fan)) for fan in fans[:10] for _ in range(2)]
    requests += [gql(FAVORITE, {"id": article_id}, token=sign_in(fan)) for fan in fans[10:] for _ in range(2)]
    for response in await asyncio.gather(*requests):
        assert not response.errors, response.errors

    rows = await conn.fetch("SELECT user_id FROM favorites WHERE article_id = $1", article["id"])
    assert {row["user_id"] for row in rows} == {fan["id"] for fan in fans[10:]}
    assert await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article["id"]) == 10


async def test_twenty_users_following_one_user_at_once_count_twenty_followers(gql, conn, sign_in):
    star = await factories.user(conn, "star")
    fans = [await factories.user(conn, f"fan{i}") for i in range(20)]

    responses = await asyncio.gather(
        *(gql(FOLLOW, {"id": encode_id("User", star["id"])}, token=sign_in(fan)) for fan in fans)
    )

    for response in responses:
        assert response.ok()["followUser"]["errors"] == []
    assert await conn.fetchval("SELECT count(*) FROM follows WHERE followee_id = $1", star["id"]) == 20
    shown = (await gql('{ user(username: "star") { followersCount } }')).ok()
    assert shown["user"]["followersCount"] == 20


async def _race(gql, first: dict, second: dict) -> list[dict]:
    responses = await asyncio.gather(gql(REGISTER, {"input": first}), gql(REGISTER, {"input": second}))
    return [response.ok()["register"] for response in responses]


def _outcome(payloads: list[dict], field: str) -> None:
    """Exactly one registration won; the other was told which field is taken."""
    winners = [payload for payload in payloads if not payload["errors"]]
    losers = [payload for payload in payloads if payload["errors"]]
    assert len(winners) == 1, payloads
    assert winners[0]["token"]
    assert len(losers) == 1, payloads
    assert losers[0]["token"] is None and losers[0]["viewer"] is None
    assert [(error["field"], error["code"]) for error in losers[0]["errors"]] == [(["input", field], "TAKEN")]


@pytest.mark.parametrize("round_", range(5))
async def test_two_registrations_of_one_username_at_once_let_exactly_one_win(gql, conn, round_):
    # Odd rounds race two spellings that differ only in case: still one name.
    second_name = f"racer{round_}" if round_ % 2 == 0 else f"RACER{round_}"
    payloads = await _race(
        gql,
        {"username": f"racer{round_}", "email": f"a{round_}@example.com", "password": "long enough password"},
        {"username": second_name, "email": f"b{round_}@example.com", "password": "long enough password"},
    )

    _outcome(payloads, "username")
    assert await conn.fetchval("SELECT count(*) FROM users") == 1


@pytest.mark.parametrize("round_", range(5))
async def test_two_registrations_of_one_email_at_once_let_exactly_one_win(gql, conn, round_):
    second_email = f"racer{round_}@example.com" if round_ % 2 == 0 else f"Racer{round_}@EXAMPLE.com"
    payloads = await _race(
        gql,
        {
            "username": f"first{round_}",
            "email": f"racer{round_}@example.com",
            "password": "long enough password",
        },
        {"username": f"second{round_}", "email": second_email, "password": "long enough password"},
    )

    _outcome(payloads, "email")
    assert await conn.fetchval("SELECT count(*) FROM users") == 1


CREATE = """
mutation Create($input: CreateArticleInput!) { createArticle(input: $input) { article { slug } errors { code } } }
"""


async def test_five_articles_with_one_title_created_at_once_get_five_unique_slugs(gql, conn, sign_in):
    authors = [await factories.user(conn, f"author{i}") for i in range(5)]
    article = {"title": "Breaking news", "description": "Now.", "body": "It happened.", "tags": ["news"]}

    responses = await asyncio.gather(*(gql(CREATE, {"input": article}, token=sign_in(author)) for author in authors))

    slugs = [response.ok()["createArticle"]["article"]["slug"] for response in responses]
    assert len(set(slugs)) == 5
    assert "breaking-news" in slugs
    assert all(slug == "breaking-news" or slug.startswith("breaking-news-") for slug in slugs)
    assert await conn.fetchval("SELECT count(*) FROM articles") == 5
    assert await conn.fetchval("SELECT articles_count FROM tags WHERE name = 'news'") == 5


UPDATE_VIEWER = """
mutation Update($input: UpdateViewerInput!) { updateViewer(input: $input) { viewer { email } errors { field code } } }
"""


# A password change hashes between the name check and the write, which holds the race window open.
NEW_PASSWORD = {"password": "another long password"}


@pytest.mark.parametrize("round_", range(3))
async def test_two_users_renaming_to_one_username_at_once_let_exactly_one_win(gql, conn, sign_in, round_):
    first, second = await factories.user(conn, f"first{round_}"), await factories.user(conn, f"second{round_}")

    responses = await asyncio.gather(
        gql(UPDATE_VIEWER, {"input": {"username": f"wanted{round_}", **NEW_PASSWORD}}, token=sign_in(first)),
        gql(UPDATE_VIEWER, {"input": {"username": f"WANTED{round_}", **NEW_PASSWORD}}, token=sign_in(second)),
    )

    errors = [response.ok()["updateViewer"]["errors"] for response in responses]
    assert sorted(map(len, errors)) == [0, 1], errors
    assert [(error["field"], error["code"]) for error in errors[0] + errors[1]] == [(["input", "username"], "TAKEN")]
    names = await conn.fetch("SELECT lower(username) AS name FROM users")
    assert sorted(row["name"] for row in names).count(f"wanted{round_}") == 1


CREATE_WITH_TAGS = """
mutation Create($input: CreateArticleInput!) {
  createArticle(input: $input) { article { tags } errors { code } }
}
"""


async def test_articles_sharing_new_tags_in_any_order_created_at_once_all_get_every_tag(gql, conn, sign_in):
    # A tag another writer created a moment earlier (committed after this
    # statement began) is attached, never missed, and every counter is exact.
    names = ["red", "green", "blue"]
    orders = list(itertools.permutations(names)) * 2
    authors = [await factories.user(conn, f"author{i}") for i in range(len(orders))]

    responses = await asyncio.gather(
        *(
            gql(
                CREATE_WITH_TAGS,
                {"input": {"title": f"Colors {i}", "description": "d", "body": "b", "tags": list(order)}},
                token=sign_in(author),
            )
            for i, (author, order) in enumerate(zip(authors, orders, strict=True))
        )
    )

    for response in responses:
        assert response.ok()["createArticle"] == {"article": {"tags": ["blue", "green", "red"]}, "errors": []}
    counts = await conn.fetch("SELECT name, articles_count FROM tags ORDER BY name")
    assert [tuple(row) for row in counts] == [(name, len(orders)) for name in sorted(names)]
    assert await conn.fetchval("SELECT count(*) FROM article_tags") == len(orders) * len(names)
