"""The db layer on its own: batch fetches, per-parent pages, counts and the counter triggers."""

import asyncio
import random

import asyncpg
import pytest

from db import articles, comments, events, tags, users
from db.articles import ArticleFilter, ArticleOrder
from db.keyset import Window
from graph.schema.loaders import _in_key_order
from tests import factories
from tests.read_fixtures import at, favorite_at, follow_at

# --- batch fetches by id -------------------------------------------------------------------------------


async def test_users_by_ids_returns_one_row_per_existing_id(conn, db):
    rows = [await factories.user(conn) for _ in range(4)]
    asked = [rows[2]["id"], 9999, rows[0]["id"], rows[3]["id"]]
    found = await users.users_by_ids(db, asked)
    assert sorted(row["id"] for row in found) == sorted([rows[0]["id"], rows[2]["id"], rows[3]["id"]])
    by_id = {row["id"]: row for row in found}
    assert by_id[rows[2]["id"]]["username"] == rows[2]["username"]
    assert "password_hash" not in found[0]


async def test_articles_by_ids_returns_one_row_per_existing_id(conn, db):
    author = await factories.user(conn)
    rows = [await factories.article(conn, author["id"]) for _ in range(3)]
    found = await articles.articles_by_ids(db, [rows[1]["id"], rows[1]["id"] + 100, rows[0]["id"]])
    assert sorted(row["id"] for row in found) == sorted([rows[0]["id"], rows[1]["id"]])
    assert {row["slug"] for row in found} == {rows[0]["slug"], rows[1]["slug"]}


async def test_comments_by_ids_returns_one_row_per_existing_id(conn, db):
    author = await factories.user(conn)
    article = await factories.article(conn, author["id"])
    rows = [await factories.comment(conn, article["id"], author["id"]) for _ in range(3)]
    found = await comments.comments_by_ids(db, [rows[2]["id"], -1, rows[1]["id"]])
    assert {row["id"]: row["body"] for row in found} == {rows[2]["id"]: rows[2]["body"], rows[1]["id"]: rows[1]["body"]}


async def test_batch_fetch_of_no_ids_is_empty(db):
    assert await users.users_by_ids(db, []) == []


async def test_in_key_order_puts_rows_in_the_order_of_the_keys_with_none_for_missing(conn, db):
    rows = [await factories.user(conn) for _ in range(5)]
    keys = [row["id"] for row in rows] + [777]
    random.Random(4).shuffle(keys)
    found = await users.users_by_ids(db, keys)
    ordered = _in_key_order(found, keys)
    assert [None if row is None else row["id"] for row in ordered] == [None if k == 777 else k for k in keys]


def test_in_key_order_reorders_rows_that_come_back_in_any_order():
    rows = [{"id": 3, "v": "c"}, {"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    assert _in_key_order(rows, [1, 2, 3, 4]) == [rows[1], rows[2], rows[0], None]
    assert _in_key_order(rows, [2, 2]) == [rows[2], rows[2]]
    assert _in_key_order([], [1]) == [None]


def test_in_key_order_can_key_on_another_column():
    rows = [{"article_id": 8, "names": ["x"]}, {"article_id": 5, "names": ["y"]}]
    assert _in_key_order(rows, [5, 8], column="article_id") == [rows[1], rows[0]]


# --- single-row lookups --------------------------------------------------------------------------------


async def test_user_by_username_ignores_case(conn, db):
    row = await factories.user(conn, "CamelCase")
    assert (await users.user_by_username(db, "camelcase"))["id"] == row["id"]
    assert (await users.user_by_username(db, "CAMELCASE"))["id"] == row["id"]
    assert await users.user_by_username(db, "camel") is None


async def test_article_by_slug_matches_the_exact_slug(conn, db):
    author = await factories.user(conn)
    row = await factories.article(conn, author["id"], "Exact")
    assert (await articles.article_by_slug(db, row["slug"]))["id"] == row["id"]
    assert await articles.article_by_slug(db, row["slug"][:-1]) is None


# --- per-parent (LATERAL) pages ------------------------------------------------------------------------


@pytest.fixture
async def commented(conn):
    """Four articles with 5, 2, 0 and 3 comments; comment timestamps tie in places."""
    author = await factories.user(conn)
    result = {}
    for n, count in enumerate([5, 2, 0, 3]):
        article = await factories.article(conn, author["id"], f"C{n}")
        rows = [
            await factories.comment(conn, article["id"], author["id"], f"{n}.{k}", created_at=at(10 - (k % 3)))
            for k in range(count)
        ]
        result[article["id"]] = [r["id"] for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))]
    return result


async def test_comments_pages_gives_each_article_its_first_n_comments(commented, db):
    article_ids = list(commented)
    pages = await comments.comments_pages(db, article_ids, Window(limit=2))
    assert set(pages) == set(article_ids)
    for article_id, expected in commented.items():
        page = pages[article_id]
        assert [row["id"] for row in page.rows] == expected[:2]
        assert all(row["article_id"] == article_id for row in page.rows)
        assert page.has_more is (len(expected) > 2)
        assert page.keys == [(row["created_at"], row["id"]) for row in page.rows]


async def test_comments_pages_backwards_gives_each_article_its_last_n_in_display_order(commented, db):
    pages = await comments.comments_pages(db, list(commented), Window(limit=2, backward=True))
    for article_id, expected in commented.items():
        assert [row["id"] for row in pages[article_id].rows] == expected[-2:]
        assert pages[article_id].has_more is (len(expected) > 2)


async def test_comments_pages_after_a_cursor_continues_each_article(commented, db):
    first_id = next(iter(commented))
    first_page = (await comments.comments_pages(db, [first_id], Window(limit=2)))[first_id]
    cursor = first_page.keys[-1]
    rest = (await comments.comments_pages(db, [first_id], Window(limit=10, cursor=cursor)))[first_id]
    assert [row["id"] for row in first_page.rows + rest.rows] == commented[first_id]
    assert rest.has_more is False


async def test_comments_pages_of_an_unknown_article_is_an_empty_page(db):
    pages = await comments.comments_pages(db, [12345], Window(limit=3))
    assert pages[12345].rows == [] and pages[12345].has_more is False


async def test_comments_pages_is_one_statement_for_all_articles(commented, db):
    from db.pool import StatementCount, statement_count

    counter = StatementCount()
    token = statement_count.set(counter)
    try:
        await comments.comments_pages(db, list(commented), Window(limit=2))
    finally:
        statement_count.reset(token)
    assert counter.value == 1


async def test_authored_and_favorited_pages_are_per_user(conn, db):
    ann = await factories.user(conn)
    bob = await factories.user(conn)
    ann_articles = [await factories.article(conn, ann["id"], created_at=at(n)) for n in range(3)]
    bob_article = await factories.article(conn, bob["id"], created_at=at(1))
    await favorite_at(conn, bob["id"], ann_articles[0]["id"], at(5))
    await favorite_at(conn, bob["id"], ann_articles[2]["id"], at(4))
    await favorite_at(conn, bob["id"], bob_article["id"], at(6))

    authored = await articles.authored_pages(db, [ann["id"], bob["id"]], Window(limit=2))
    assert [row["id"] for row in authored[ann["id"]].rows] == [ann_articles[2]["id"], ann_articles[1]["id"]]
    assert authored[ann["id"]].has_more is True
    assert [row["id"] for row in authored[bob["id"]].rows] == [bob_article["id"]]
    assert authored[bob["id"]].has_more is False

    favorited = await articles.favorited_pages(db, [ann["id"], bob["id"]], Window(limit=5))
    assert favorited[ann["id"]].rows == []
    assert [row["id"] for row in favorited[bob["id"]].rows] == [
        bob_article["id"],
        ann_articles[0]["id"],
        ann_articles[2]["id"],
    ]
    assert favorited[bob["id"]].keys[0] == (at(6), bob_article["id"])


async def test_followers_and_following_pages_are_per_user(conn, db):
    a, b, c = [await factories.user(conn) for _ in range(3)]
    await follow_at(conn, a["id"], c["id"], at(1))
    await follow_at(conn, b["id"], c["id"], at(2))
    await follow_at(conn, c["id"], a["id"], at(3))

    followers = await users.followers_pages(db, [a["id"], b["id"], c["id"]], Window(limit=1))
    assert [row["id"] for row in followers[c["id"]].rows] == [b["id"]]
    assert followers[c["id"]].has_more is True
    assert [row["id"] for row in followers[a["id"]].rows] == [c["id"]]
    assert followers[b["id"]].rows == []

    following = await users.following_pages(db, [a["id"], c["id"]], Window(limit=5))
    assert [row["id"] for row in following[a["id"]].rows] == [c["id"]]
    assert [row["id"] for row in following[c["id"]].rows] == [a["id"]]


# --- counts --------------------------------------------------------------------------------------------


async def test_count_functions_count_per_parent_and_omit_parents_with_none(conn, db):
    a, b, c = [await factories.user(conn) for _ in range(3)]
    a1 = await factories.article(conn, a["id"])
    a2 = await factories.article(conn, a["id"])
    b1 = await factories.article(conn, b["id"])
    for article, n in [(a1, 3), (b1, 1)]:
        for _ in range(n):
            await factories.comment(conn, article["id"], c["id"])
    for user, article in [(b, a1), (c, a1), (c, a2), (c, b1)]:
        await factories.favorite(conn, user["id"], article["id"])
    for follower, followee in [(b, a), (c, a), (a, b)]:
        await factories.follow(conn, follower["id"], followee["id"])
    everyone = [a["id"], b["id"], c["id"]]

    assert await comments.comment_counts(db, [a1["id"], a2["id"], b1["id"]]) == {a1["id"]: 3, b1["id"]: 1}
    assert await articles.authored_counts(db, everyone) == {a["id"]: 2, b["id"]: 1}
    assert await articles.favorited_counts(db, everyone) == {b["id"]: 1, c["id"]: 3}
    assert await users.follower_counts(db, everyone) == {a["id"]: 2, b["id"]: 1}
    assert await users.following_counts(db, everyone) == {a["id"]: 1, b["id"]: 1, c["id"]: 1}
    assert await users.users_count(db) == 3
    assert await articles.articles_count(db, ArticleFilter()) == 3
    assert await articles.articles_count(db, ArticleFilter(favorited_by_username=c["username"].upper())) == 3
    assert await articles.articles_count(db, ArticleFilter(author_username=a["username"])) == 2
    assert await articles.feed_count(db, c["id"]) == 2
    assert await articles.feed_count(db, b["id"]) == 2
    assert await articles.favorited_among(db, c["id"], [a1["id"], a2["id"], b1["id"], 999]) == {
        a1["id"],
        a2["id"],
        b1["id"],
    }
    assert await users.followed_by(db, a["id"], everyone) == {b["id"]}


async def test_tags_of_articles_are_sorted_by_name_and_absent_when_untagged(conn, db):
    author = await factories.user(conn)
    tagged = await factories.article(conn, author["id"], tags=("b", "c", "a"))
    untagged = await factories.article(conn, author["id"])
    assert await articles.tags_of_articles(db, [tagged["id"], untagged["id"]]) == {tagged["id"]: ["a", "b", "c"]}


async def test_articles_page_matches_search_wildcards_literally(conn, db):
    author = await factories.user(conn)
    hit = await factories.article(conn, author["id"], "50% off")
    await factories.article(conn, author["id"], "50 percent off")
    page = await articles.articles_page(db, Window(limit=10), ArticleOrder.NEWEST, ArticleFilter(search="0%"))
    assert [row["id"] for row in page.rows] == [hit["id"]]


# --- counters kept by triggers -------------------------------------------------------------------------


async def favorites_count(conn: asyncpg.Connection, article_id: int) -> int:
    return await conn.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article_id)


async def tag_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {row["name"]: row["articles_count"] for row in await conn.fetch("SELECT name, articles_count FROM tags")}


async def test_favorites_count_follows_inserts_and_deletes(conn):
    author = await factories.user(conn)
    fans = [await factories.user(conn) for _ in range(3)]
    article = await factories.article(conn, author["id"])
    other = await factories.article(conn, author["id"])
    assert await favorites_count(conn, article["id"]) == 0
    for fan in fans:
        await factories.favorite(conn, fan["id"], article["id"])
    await factories.favorite(conn, fans[0]["id"], other["id"])
    assert await favorites_count(conn, article["id"]) == 3
    assert await favorites_count(conn, other["id"]) == 1

    await conn.execute("DELETE FROM favorites WHERE user_id = $1 AND article_id = $2", fans[1]["id"], article["id"])
    assert await favorites_count(conn, article["id"]) == 2
    assert await favorites_count(conn, other["id"]) == 1


async def test_favorites_count_drops_when_a_fan_is_deleted(conn):
    author = await factories.user(conn)
    fan = await factories.user(conn)
    article = await factories.article(conn, author["id"])
    await factories.favorite(conn, fan["id"], article["id"])
    await factories.favorite(conn, author["id"], article["id"])
    await conn.execute("DELETE FROM users WHERE id = $1", fan["id"])
    assert await favorites_count(conn, article["id"]) == 1


async def test_favorites_count_is_right_after_concurrent_favorites(conn, db):
    author = await factories.user(conn)
    fans = [await factories.user(conn) for _ in range(12)]
    article = await factories.article(conn, author["id"])
    await asyncio.gather(
        *(
            db.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", fan["id"], article["id"])
            for fan in fans
        )
    )
    assert await favorites_count(conn, article["id"]) == 12


async def test_deleting_an_article_cascades_to_its_favorites_and_tag_counts(conn):
    author = await factories.user(conn)
    fan = await factories.user(conn)
    doomed = await factories.article(conn, author["id"], tags=("shared", "only"))
    kept = await factories.article(conn, author["id"], tags=("shared",))
    await factories.favorite(conn, fan["id"], doomed["id"])
    await factories.favorite(conn, fan["id"], kept["id"])
    await factories.comment(conn, doomed["id"], fan["id"])
    assert await tag_counts(conn) == {"shared": 2, "only": 1}

    await conn.execute("DELETE FROM articles WHERE id = $1", doomed["id"])
    assert await tag_counts(conn) == {"shared": 1, "only": 0}
    assert await conn.fetchval("SELECT count(*) FROM favorites WHERE article_id = $1", doomed["id"]) == 0
    assert await conn.fetchval("SELECT count(*) FROM comments WHERE article_id = $1", doomed["id"]) == 0
    assert await favorites_count(conn, kept["id"]) == 1


async def test_tag_articles_count_follows_article_tag_inserts_and_deletes(conn, db):
    author = await factories.user(conn)
    one = await factories.article(conn, author["id"], tags=("x",))
    two = await factories.article(conn, author["id"], tags=("x", "y"))
    assert await tag_counts(conn) == {"x": 2, "y": 1}
    await conn.execute("DELETE FROM article_tags WHERE article_id = $1", two["id"])
    assert await tag_counts(conn) == {"x": 1, "y": 0}
    assert [row["name"] for row in await tags.popular_tags(db, 10)] == ["x"]
    await conn.execute("DELETE FROM users WHERE id = $1", author["id"])
    assert await tag_counts(conn) == {"x": 0, "y": 0}
    assert await tags.popular_tags(db, 10) == []
    assert one["id"] != two["id"]


async def test_popular_tags_are_most_used_first_ties_by_name_and_limited(conn, db):
    author = await factories.user(conn)
    for tag_set in [("b", "a"), ("b", "c"), ("d",)]:
        await factories.article(conn, author["id"], tags=tag_set)
    rows = await tags.popular_tags(db, 3)
    assert [(row["name"], row["articles_count"]) for row in rows] == [("b", 2), ("a", 1), ("c", 1)]


# --- single-statement writes ---------------------------------------------------------------------------


async def test_create_article_notifies_the_created_event_and_a_taken_slug_writes_and_notifies_nothing(
    conn, db, database_url
):
    me = await factories.user(conn)
    listening = await asyncpg.connect(database_url)
    received: asyncio.Queue[str] = asyncio.Queue()
    await listening.add_listener(events.CHANNEL, lambda *args: received.put_nowait(args[3]))
    try:
        created = await articles.create_article(db, me["id"], "once", "Once", "d", "b", ["x", "a"])
        assert created is not None
        payload = await asyncio.wait_for(received.get(), 5)
        assert events.Event.parse(payload) == events.Event("article", created.row["id"], created.row["id"])
        assert created.tags == ["a", "x"]
        assert created.author["username"] == me["username"]
        assert "password_hash" not in created.author

        before = await conn.fetchval("SELECT count(*) FROM tags")
        assert await articles.create_article(db, me["id"], "once", "Again", "d", "b", ["new"]) is None
        assert await conn.fetchval("SELECT count(*) FROM tags") == before
        assert await conn.fetchval("SELECT count(*) FROM articles") == 1
        await asyncio.sleep(0.2)
        assert received.empty()
    finally:
        await listening.close()


def test_the_single_statement_writes_are_never_retried_as_reads():
    # db/pool.py retries a statement that starts with SELECT once after a
    # dropped connection; a write may have committed, so none may look like one.
    from db.pool import _IDEMPOTENT

    for statement in (articles.CREATE_ARTICLE, articles.FAVORITE, articles.UNFAVORITE):
        assert not _IDEMPOTENT.match(statement)


# The number of all articles, kept by triggers (migrations/versions/2026_12_04_article_count.py).


async def article_count(conn) -> tuple[int, int]:
    """(the kept count, the counted one)."""
    return await conn.fetchval("SELECT sum(articles)::bigint FROM article_count"), await conn.fetchval(
        "SELECT count(*) FROM articles"
    )


async def test_the_article_count_follows_inserts_deletes_cascades_and_truncate(conn, db):
    author = await factories.user(conn)
    other = await factories.user(conn)
    assert await article_count(conn) == (0, 0)
    created = await articles.create_article(db, author["id"], "one", "One", "d", "b", ["x"])
    assert created is not None
    assert await articles.create_article(db, author["id"], "one", "One again", "d", "b", []) is None  # a taken slug
    for _ in range(3):
        await factories.article(conn, other["id"])
    assert await article_count(conn) == (4, 4)
    await articles.delete_article(db, created.row["id"])
    await conn.execute("DELETE FROM users WHERE id = $1", other["id"])  # cascades to their three
    assert await article_count(conn) == (0, 0)
    await conn.execute(
        "INSERT INTO articles (author_id, slug, title, description, body)"
        " SELECT $1, 's' || g, 't', 'd', 'b' FROM generate_series(1, 50) g",
        author["id"],
    )
    assert await article_count(conn) == (50, 50)
    assert await articles.articles_count(db, ArticleFilter()) == 50
    await conn.execute("TRUNCATE articles CASCADE")
    assert await article_count(conn) == (0, 0)


async def test_the_article_count_is_exact_after_concurrent_creates_and_deletes_sharing_tags(conn, db):
    author = await factories.user(conn)
    # "shared" gets the lower id: a delete's cascade meets the tags in another order than a create locks them.
    kept = [await factories.article(conn, author["id"], tags=("shared", "other")) for _ in range(20)]

    async def create(number: int) -> None:
        await articles.create_article(db, author["id"], f"new-{number}", "New", "d", "b", ["shared", "other"])

    async def delete(article_id: int) -> None:
        async with db.transaction() as tx:
            await articles.article_for_update(tx, article_id)
            await articles.delete_article(tx, article_id)

    await asyncio.gather(*(create(n) for n in range(20)), *(delete(row["id"]) for row in kept))
    assert await article_count(conn) == (20, 20)
    assert await conn.fetchval("SELECT articles_count FROM tags WHERE name = 'shared'") == 20
