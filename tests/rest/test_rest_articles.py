"""/api/articles: the list and its filters, the feed, one article, writes, favorites, tags."""

import pytest

from tests import factories
from tests.rest_client import auth, register, write_article

ARTICLE_KEYS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}


async def test_creating_an_article_answers_201_with_the_whole_article(http):
    user = await register(http, "writer")
    article = await write_article(http, user["token"], "Hello World", tagList=["Dragons", "cats", "dragons"])
    assert set(article) == ARTICLE_KEYS
    assert article["slug"] == "hello-world"
    assert sorted(article["tagList"]) == ["cats", "dragons"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {"username": "writer", "bio": None, "image": None, "following": False}
    assert article["createdAt"].endswith("Z")

    again = await write_article(http, user["token"], "Hello World")
    assert again["slug"].startswith("hello-world-") and again["slug"] != article["slug"]


async def test_creating_without_a_token_is_401_and_with_empty_fields_is_422_per_field(http, conn):
    body = {"article": {"title": " ", "description": "", "body": "x"}}
    assert (await http.post("/api/articles", json=body)).status_code == 401
    user = await register(http, "writer")
    response = await http.post("/api/articles", json=body, headers=auth(user["token"]))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "description"}
    assert await conn.fetchval("SELECT count(*) FROM articles") == 0


async def test_reading_an_article_by_slug_shows_the_viewers_flags_and_an_unknown_slug_is_404(http, conn):
    author = await register(http, "author")
    reader = await register(http, "reader")
    article = await write_article(http, author["token"], "Readable")
    await http.post(f"/api/articles/{article['slug']}/favorite", headers=auth(reader["token"]))
    await http.post("/api/profiles/author/follow", headers=auth(reader["token"]))

    anonymous = (await http.get(f"/api/articles/{article['slug']}")).json()["article"]
    assert (anonymous["favorited"], anonymous["favoritesCount"], anonymous["author"]["following"]) == (False, 1, False)
    seen = (await http.get(f"/api/articles/{article['slug']}", headers=auth(reader["token"]))).json()["article"]
    assert (seen["favorited"], seen["favoritesCount"], seen["author"]["following"]) == (True, 1, True)

    missing = await http.get("/api/articles/no-such-article")
    assert missing.status_code == 404
    assert missing.json() == {"errors": {"article": ["No article has that slug."]}}
    assert (await http.get("/api/articles/" + "x" * 300)).status_code == 404


async def test_the_list_is_newest_first_with_limit_offset_and_a_count_of_everything(http, conn):
    author = await factories.user(conn, "author")
    for i in range(5):
        await factories.article(conn, author["id"], f"Number {i}")
    body = (await http.get("/api/articles", params={"limit": 2, "offset": 1})).json()
    assert body["articlesCount"] == 5
    assert [article["title"] for article in body["articles"]] == ["Number 3", "Number 2"]
    default = (await http.get("/api/articles")).json()
    assert len(default["articles"]) == 5


async def test_the_list_filters_by_tag_author_and_favorited(http, conn):
    alice = await factories.user(conn, "alice")
    bob = await factories.user(conn, "bob")
    first = await factories.article(conn, alice["id"], "First", tags=("dragons",))
    await factories.article(conn, bob["id"], "Second", tags=("cats",))
    await factories.favorite(conn, bob["id"], first["id"])

    async def titles(**params):
        body = (await http.get("/api/articles", params=params)).json()
        assert body["articlesCount"] == len(body["articles"])
        return [article["title"] for article in body["articles"]]

    assert await titles(tag="dragons") == ["First"]
    assert await titles(author="BOB") == ["Second"]
    assert await titles(favorited="bob") == ["First"]
    assert await titles(tag="cats", author="alice") == []


@pytest.mark.parametrize(
    "params",
    [{"limit": 101}, {"limit": -1}, {"offset": -1}, {"offset": 10**6}, {"limit": "many"}, {"tag": "t" * 33}],
    ids=["limit-over", "limit-negative", "offset-negative", "offset-absurd", "limit-text", "tag-too-long"],
)
async def test_absurd_list_parameters_are_422_naming_the_parameter(http, params):
    response = await http.get("/api/articles", params=params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == list(params)


async def test_the_feed_needs_a_token_and_holds_only_followed_authors(http, conn):
    assert (await http.get("/api/articles/feed")).status_code == 401
    reader = await register(http, "reader")
    followed = await register(http, "followed")
    other = await register(http, "other")
    await write_article(http, followed["token"], "Wanted")
    await write_article(http, other["token"], "Unwanted")
    await http.post("/api/profiles/followed/follow", headers=auth(reader["token"]))
    body = (await http.get("/api/articles/feed", headers=auth(reader["token"]))).json()
    assert body["articlesCount"] == 1
    assert [(a["title"], a["author"]["following"]) for a in body["articles"]] == [("Wanted", True)]


async def test_only_the_author_updates_or_deletes_and_others_get_403(http, conn):
    author = await register(http, "author")
    intruder = await register(http, "intruder")
    article = await write_article(http, author["token"], "Original", tagList=["old"])
    path = f"/api/articles/{article['slug']}"

    refused = await http.put(path, json={"article": {"title": "Hijacked"}}, headers=auth(intruder["token"]))
    assert refused.status_code == 403
    assert list(refused.json()["errors"]) == ["body"]
    # The author rule comes before the checks: an intruder's invalid input is still 403.
    empty = await http.put(path, json={"article": {"title": ""}}, headers=auth(intruder["token"]))
    assert empty.status_code == 403
    assert (await http.delete(path, headers=auth(intruder["token"]))).status_code == 403

    changed = await http.put(
        path, json={"article": {"title": "Revised", "tagList": ["new"]}}, headers=auth(author["token"])
    )
    assert changed.status_code == 200
    body = changed.json()["article"]
    assert (body["title"], body["tagList"], body["slug"], body["body"]) == (
        "Revised",
        ["new"],
        article["slug"],
        "Body text.",
    )
    invalid = await http.put(path, json={"article": {"body": " "}}, headers=auth(author["token"]))
    assert invalid.status_code == 422 and list(invalid.json()["errors"]) == ["body"]

    deleted = await http.delete(path, headers=auth(author["token"]))
    assert deleted.status_code == 200
    assert (await http.get(path)).status_code == 404
    assert (await http.delete(path, headers=auth(author["token"]))).status_code == 404
    assert await conn.fetchval("SELECT count(*) FROM articles") == 0


async def test_favoriting_counts_once_and_unfavoriting_takes_it_back(http):
    author = await register(http, "author")
    fan = await register(http, "fan")
    article = await write_article(http, author["token"], "Likeable")
    path = f"/api/articles/{article['slug']}/favorite"
    for _ in range(2):
        response = await http.post(path, headers=auth(fan["token"]))
        assert response.status_code == 200
        body = response.json()["article"]
        assert (body["favorited"], body["favoritesCount"]) == (True, 1)
    undone = (await http.delete(path, headers=auth(fan["token"]))).json()["article"]
    assert (undone["favorited"], undone["favoritesCount"]) == (False, 0)
    assert (await http.post("/api/articles/nope/favorite", headers=auth(fan["token"]))).status_code == 404
    assert (await http.post(path)).status_code == 401


async def test_tags_are_the_used_ones_most_used_first(http, conn):
    author = await factories.user(conn, "author")
    await factories.article(conn, author["id"], tags=("popular", "rare"))
    await factories.article(conn, author["id"], tags=("popular",))
    assert (await http.get("/api/tags")).json() == {"tags": ["popular", "rare"]}
