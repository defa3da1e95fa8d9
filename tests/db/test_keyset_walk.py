"""Walking whole connections page by page, forwards and backwards, while rows are written."""

import pytest

from tests import factories
from tests.read_fixtures import PAGE_INFO, at, favorite_at, follow_at, gid, walk

ARTICLES = f"""query($first: Int, $after: String, $last: Int, $before: String, $orderBy: ArticleOrder) {{
    articles(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {{
        edges {{ cursor node {{ id }} }} {PAGE_INFO} }} }}"""


def _user_list(field: str) -> str:
    return f"""query($u: String!, $first: Int, $after: String, $last: Int, $before: String) {{
        user(username: $u) {{ {field}(first: $first, after: $after, last: $last, before: $before) {{
            edges {{ cursor node {{ id }} }} {PAGE_INFO} }} }} }}"""


COMMENTS = f"""query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {{
    article(slug: $slug) {{ comments(first: $first, after: $after, last: $last, before: $before) {{
        edges {{ cursor node {{ id }} }} {PAGE_INFO} }} }} }}"""

USERS = f"""query($first: Int, $after: String, $last: Int, $before: String) {{
    users(first: $first, after: $after, last: $last, before: $before) {{
        edges {{ cursor node {{ id }} }} {PAGE_INFO} }} }}"""


def assert_flags_at_both_ends(infos: list[dict], *, backward: bool) -> None:
    """The first request has nothing behind it, the last nothing ahead; every page in between has both."""
    behind, ahead = ("hasNextPage", "hasPreviousPage") if backward else ("hasPreviousPage", "hasNextPage")
    assert infos[0][behind] is False
    assert infos[-1][ahead] is False
    for info in infos[:-1]:
        assert info[ahead] is True
    for info in infos[1:]:
        assert info[behind] is True


@pytest.fixture
async def seventeen_articles(conn):
    """17 articles over 6 timestamps (ties of up to 4) and 5 favorite counts, in a shuffled id order."""
    authors = [await factories.user(conn) for _ in range(4)]
    fans = [await factories.user(conn) for _ in range(4)]
    articles = []
    for n in range(17):
        seconds = (n * 7) % 6
        articles.append(await factories.article(conn, authors[n % 4]["id"], f"W{n}", created_at=at(seconds)))
    for n, article in enumerate(articles):
        for fan in fans[: (n * 3) % 5]:
            await factories.favorite(conn, fan["id"], article["id"])
    return await conn.fetch("SELECT id, created_at, favorites_count FROM articles")


def expected_order(rows, order: str) -> list[str]:
    if order == "NEWEST":
        ordered = sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    elif order == "OLDEST":
        ordered = sorted(rows, key=lambda r: (r["created_at"], r["id"]))
    else:
        ordered = sorted(rows, key=lambda r: (r["favorites_count"], r["id"]), reverse=True)
    return [gid("Article", r["id"]) for r in ordered]


@pytest.mark.parametrize("order", ["NEWEST", "OLDEST", "MOST_FAVORITED"])
async def test_walking_articles_forwards_visits_every_article_once_in_order(seventeen_articles, gql, order):
    for size in (1, 4, 17, 20):
        ids, infos = await walk(gql, ARTICLES, ("articles",), size=size, variables={"orderBy": order})
        assert ids == expected_order(seventeen_articles, order), size
        assert len(infos) == -(-17 // size)
        assert_flags_at_both_ends(infos, backward=False)


@pytest.mark.parametrize("order", ["NEWEST", "OLDEST", "MOST_FAVORITED"])
async def test_walking_articles_backwards_visits_every_article_once_in_order(seventeen_articles, gql, order):
    for size in (1, 5, 17, 20):
        ids, infos = await walk(gql, ARTICLES, ("articles",), size=size, backward=True, variables={"orderBy": order})
        assert ids == expected_order(seventeen_articles, order), size
        assert len(infos) == -(-17 // size)
        assert_flags_at_both_ends(infos, backward=True)


async def test_the_order_has_real_ties_to_break(seventeen_articles):
    assert len({r["created_at"] for r in seventeen_articles}) < len(seventeen_articles)
    assert len({r["favorites_count"] for r in seventeen_articles}) < len(seventeen_articles)


async def test_a_page_after_the_end_cursor_is_empty(seventeen_articles, gql):
    last = (await gql(ARTICLES, {"last": 1})).ok()["articles"]
    end = last["pageInfo"]["endCursor"]
    data = (await gql(ARTICLES, {"first": 5, "after": end})).ok()["articles"]
    assert data["edges"] == []
    assert data["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_paging_back_from_a_middle_cursor_returns_the_rows_before_it(seventeen_articles, gql):
    everything = expected_order(seventeen_articles, "NEWEST")
    forward = (await gql(ARTICLES, {"first": 8})).ok()["articles"]
    back = (await gql(ARTICLES, {"last": 3, "before": forward["pageInfo"]["endCursor"]})).ok()["articles"]
    assert [edge["node"]["id"] for edge in back["edges"]] == everything[4:7]
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert back["pageInfo"]["hasNextPage"] is True


async def test_an_edge_cursor_resumes_right_after_its_own_row(seventeen_articles, gql):
    everything = expected_order(seventeen_articles, "OLDEST")
    page = (await gql(ARTICLES, {"first": 6, "orderBy": "OLDEST"})).ok()["articles"]
    third_cursor = page["edges"][2]["cursor"]
    resumed = (await gql(ARTICLES, {"first": 2, "after": third_cursor, "orderBy": "OLDEST"})).ok()["articles"]
    assert [edge["node"]["id"] for edge in resumed["edges"]] == everything[3:5]


# --- nested lists --------------------------------------------------------------------------------------


@pytest.fixture
async def social(conn):
    """A hub user with 11 followers, 9 followees, 8 articles, 10 favorites; an article with 13 comments."""
    hub = await factories.user(conn, "hub")
    others = [await factories.user(conn) for _ in range(13)]
    expected: dict[str, list[str]] = {}

    follows = [(other, at((n * 5) % 4)) for n, other in enumerate(others[:11])]
    for other, when in follows:
        await follow_at(conn, other["id"], hub["id"], when)
    rows = await conn.fetch("SELECT follower_id AS id, created_at FROM follows WHERE followee_id = $1", hub["id"])
    expected["followers"] = [gid("User", r["id"]) for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))][::-1]

    for n, other in enumerate(others[2:11]):
        await follow_at(conn, hub["id"], other["id"], at((n * 3) % 4))
    rows = await conn.fetch("SELECT followee_id AS id, created_at FROM follows WHERE follower_id = $1", hub["id"])
    expected["following"] = [gid("User", r["id"]) for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))][::-1]

    articles = [await factories.article(conn, hub["id"], f"Hub {n}", created_at=at((n * 3) % 5)) for n in range(8)]
    await factories.article(conn, others[0]["id"], "Not the hub's")
    expected["articles"] = [
        gid("Article", r["id"]) for r in sorted(articles, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    ]

    liked = [await factories.article(conn, others[1]["id"], f"Liked {n}") for n in range(10)]
    for n, article in enumerate(liked):
        await favorite_at(conn, hub["id"], article["id"], at((n * 7) % 3))
    rows = await conn.fetch("SELECT article_id AS id, created_at FROM favorites WHERE user_id = $1", hub["id"])
    expected["favoriteArticles"] = [
        gid("Article", r["id"]) for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    ]

    commented = articles[0]
    comments = [
        await factories.comment(conn, commented["id"], others[n % 13]["id"], created_at=at((n * 5) % 3))
        for n in range(13)
    ]
    await factories.comment(conn, articles[1]["id"], hub["id"], "elsewhere")
    expected["comments"] = [gid("Comment", r["id"]) for r in sorted(comments, key=lambda r: (r["created_at"], r["id"]))]
    expected["slug"] = commented["slug"]
    return expected


@pytest.mark.parametrize("field", ["followers", "following", "articles", "favoriteArticles"])
async def test_walking_a_users_list_visits_every_row_once_in_order(social, gql, field):
    for backward in (False, True):
        for size in (1, 3, 100):
            ids, infos = await walk(
                gql, _user_list(field), ("user", field), size=size, backward=backward, variables={"u": "hub"}
            )
            assert ids == social[field], (backward, size)
            assert_flags_at_both_ends(infos, backward=backward)


async def test_walking_an_articles_comments_visits_every_comment_once_oldest_first(social, gql):
    for backward in (False, True):
        for size in (1, 4, 13):
            ids, infos = await walk(
                gql, COMMENTS, ("article", "comments"), size=size, backward=backward, variables={"slug": social["slug"]}
            )
            assert ids == social["comments"], (backward, size)
            assert_flags_at_both_ends(infos, backward=backward)


@pytest.mark.parametrize("backward", [False, True], ids=["forwards", "backwards"])
async def test_walking_users_visits_everyone_once_in_registration_order(conn, gql, backward):
    for n in range(11):
        await factories.user(conn, created_at=at(n % 3))
    rows = await conn.fetch("SELECT id, created_at FROM users")
    expected = [gid("User", r["id"]) for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))]
    ids, infos = await walk(gql, USERS, ("users",), size=3, backward=backward)
    assert ids == expected
    assert_flags_at_both_ends(infos, backward=backward)


async def test_nested_pages_of_several_parents_are_cut_per_parent(conn, gql):
    authors = [await factories.user(conn, f"author{n}", created_at=at(n)) for n in range(3)]
    for n, author in enumerate(authors):
        for k in range(n * 2):
            await factories.article(conn, author["id"], f"{author['username']}-{k}", created_at=at(k))
    data = (
        await gql(
            """{ users { edges { node { username articles(first: 3) {
                edges { node { title } } pageInfo { hasNextPage hasPreviousPage } } } } } }"""
        )
    ).ok()
    got = {
        edge["node"]["username"]: (
            [e["node"]["title"] for e in edge["node"]["articles"]["edges"]],
            edge["node"]["articles"]["pageInfo"]["hasNextPage"],
        )
        for edge in data["users"]["edges"]
    }
    assert got == {
        "author0": ([], False),
        "author1": (["author1-1", "author1-0"], False),
        "author2": (["author2-3", "author2-2", "author2-1"], True),
    }


# --- writes during a walk ------------------------------------------------------------------------------


async def test_walking_newest_while_articles_are_inserted_never_repeats_or_skips(conn, gql):
    author = await factories.user(conn, "busy")
    # Four timestamps shared by 24 articles: the id alone orders each group.
    existing = [await factories.article(conn, author["id"], created_at=at(n % 4)) for n in range(24)]
    before_walk = {gid("Article", row["id"]) for row in existing}
    expected = [
        gid("Article", r["id"]) for r in sorted(existing, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    ]
    inserted: list[str] = []
    step = iter(range(1000))

    async def insert_some() -> None:
        n = next(step)
        # A newer article, one with an identical timestamp to every group
        # (a higher id than anything the walk has seen), and one older.
        rows = [await factories.article(conn, author["id"])]
        rows += [await factories.article(conn, author["id"], created_at=at(seconds)) for seconds in range(4)]
        rows.append(await factories.article(conn, author["id"], created_at=at(-1 - n)))
        inserted.extend(gid("Article", row["id"]) for row in rows)

    ids, infos = await walk(
        gql, ARTICLES, ("articles",), size=5, variables={"orderBy": "NEWEST"}, between_pages=insert_some
    )
    assert len(infos) > 3
    assert inserted
    assert len(ids) == len(set(ids)), "an article was served twice"
    assert [node_id for node_id in ids if node_id in before_walk] == expected
    # Only the older inserts can appear (they sort after the cursor); never a row
    # that sorts before it, which would mean the cursor moved backwards.
    newer_than_walk = set(inserted[0::6])
    assert not newer_than_walk & set(ids)


async def test_walking_newest_while_articles_are_deleted_never_repeats(conn, gql):
    author = await factories.user(conn)
    existing = [await factories.article(conn, author["id"], created_at=at(n % 3)) for n in range(15)]
    deleted: set[str] = set()

    async def delete_one() -> None:
        row = existing[len(deleted) * 2 + 1]
        await conn.execute("DELETE FROM articles WHERE id = $1", row["id"])
        deleted.add(gid("Article", row["id"]))

    ids, _ = await walk(gql, ARTICLES, ("articles",), size=3, between_pages=delete_one)
    assert len(ids) == len(set(ids))
    expected = [
        gid("Article", r["id"]) for r in sorted(existing, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    ]
    assert list(ids) == [i for i in expected if i in set(ids)]
    assert set(expected) - set(ids) <= deleted


# --- totalCount costs a statement only when selected ---------------------------------------------------


@pytest.mark.parametrize(
    ("without", "with_count"),
    [
        (
            "{ articles(first: 5) { edges { node { id } } } }",
            "{ articles(first: 5) { totalCount edges { node { id } } } }",
        ),
        (
            '{ articles(first: 5, filter: {tag: "t"}) { edges { node { id } } } }',
            '{ articles(first: 5, filter: {tag: "t"}) { totalCount edges { node { id } } } }',
        ),
        ("{ users(first: 5) { edges { node { id } } } }", "{ users(first: 5) { totalCount edges { node { id } } } }"),
        (
            "{ users { edges { node { articles(first: 2) { edges { node { id } } } } } } }",
            "{ users { edges { node { articles(first: 2) { totalCount edges { node { id } } } } } } }",
        ),
        (
            "{ users { edges { node { followers(first: 2) { edges { node { id } } } } } } }",
            "{ users { edges { node { followers(first: 2) { totalCount edges { node { id } } } } } } }",
        ),
        (
            "{ users { edges { node { following(first: 2) { edges { node { id } } } } } } }",
            "{ users { edges { node { following(first: 2) { totalCount edges { node { id } } } } } } }",
        ),
        (
            "{ users { edges { node { favoriteArticles(first: 2) { edges { node { id } } } } } } }",
            "{ users { edges { node { favoriteArticles(first: 2) { totalCount edges { node { id } } } } } } }",
        ),
        (
            "{ articles { edges { node { comments(first: 2) { edges { node { id } } } } } } }",
            "{ articles { edges { node { comments(first: 2) { totalCount edges { node { id } } } } } } }",
        ),
    ],
    ids=["articles", "filtered articles", "users", "user articles", "followers", "following", "favorites", "comments"],
)
async def test_total_count_costs_one_statement_only_when_selected(conn, execute, without, with_count):
    users = [await factories.user(conn) for _ in range(4)]
    for n, user in enumerate(users):
        article = await factories.article(conn, user["id"], tags=("t",))
        await factories.comment(conn, article["id"], users[(n + 1) % 4]["id"])
        await factories.favorite(conn, users[(n + 1) % 4]["id"], article["id"])
        await factories.follow(conn, user["id"], users[(n + 1) % 4]["id"])

    plain = await execute(without)
    counted = await execute(with_count)
    assert not plain.errors and not counted.errors
    assert counted.statements == plain.statements + 1
    # Run again: the same counts, so nothing is cached across operations.
    assert (await execute(without)).statements == plain.statements


async def test_a_page_without_total_count_is_one_statement(conn, execute):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    result = await execute("{ articles(first: 5) { edges { cursor node { id title } } pageInfo { hasNextPage } } }")
    assert not result.errors
    assert result.statements == 1
