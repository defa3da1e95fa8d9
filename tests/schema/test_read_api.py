"""The read side of the contract over HTTP: every Query field and every field of the read types."""

import base64

import orjson
import pytest

from tests import factories
from tests.read_fixtures import PAGE_INFO, at, favorite_at, follow_at, gid, ids_of, nodes_of, parse_time

# --- Query.viewer, Query.user --------------------------------------------------------------------------


async def test_viewer_is_null_without_a_token(conn, gql):
    await factories.user(conn, "someone")
    assert (await gql("{ viewer { email user { username } } }")).ok() == {"viewer": None}


async def test_user_by_username_is_found_whatever_the_case(conn, gql):
    row = await factories.user(conn, "MixedCase")
    await factories.user(conn, "other")
    for asked in ["MixedCase", "mixedcase", "MIXEDCASE", "mIxEdCaSe"]:
        data = (await gql("query($u: String!) { user(username: $u) { id username } }", {"u": asked})).ok()
        assert data == {"user": {"id": gid("User", row["id"]), "username": "MixedCase"}}, asked


async def test_user_by_unknown_username_is_null(conn, gql):
    await factories.user(conn, "present")
    assert (await gql('{ user(username: "absent") { id } }')).ok() == {"user": None}


async def test_user_scalar_fields_come_from_the_row(conn, gql):
    alice = await factories.user(conn, "alice", bio="Writes things.", image="https://img.test/a.png", created_at=at(0))
    bob = await factories.user(conn, "bob")
    carol = await factories.user(conn, "carol")
    dave = await factories.user(conn, "dave")
    await factories.follow(conn, bob["id"], alice["id"])
    await factories.follow(conn, carol["id"], alice["id"])
    await factories.follow(conn, alice["id"], dave["id"])

    data = (
        await gql(
            """{ user(username: "alice") {
                id username bio image createdAt followersCount followingCount viewerIsFollowing } }"""
        )
    ).ok()["user"]
    assert data["id"] == gid("User", alice["id"])
    assert data["username"] == "alice"
    assert data["bio"] == "Writes things."
    assert data["image"] == "https://img.test/a.png"
    assert parse_time(data["createdAt"]) == at(0)
    assert data["followersCount"] == 2
    assert data["followingCount"] == 1
    assert data["viewerIsFollowing"] is False


async def test_user_without_bio_or_image_has_nulls_and_zero_counts(conn, gql):
    await factories.user(conn, "plain")
    data = (await gql('{ user(username: "plain") { bio image followersCount followingCount } }')).ok()
    assert data == {"user": {"bio": None, "image": None, "followersCount": 0, "followingCount": 0}}


async def test_user_articles_are_newest_first_with_count_and_page_info(conn, gql):
    alice = await factories.user(conn, "alice")
    other = await factories.user(conn, "other")
    old = await factories.article(conn, alice["id"], "Old", created_at=at(1))
    new = await factories.article(conn, alice["id"], "New", created_at=at(3))
    mid = await factories.article(conn, alice["id"], "Mid", created_at=at(2))
    await factories.article(conn, other["id"], "Not hers", created_at=at(4))

    data = (
        await gql(
            f'{{ user(username: "alice") {{ articles(first: 2) {{ totalCount {PAGE_INFO} '
            "edges { cursor node { id title author { username } } } } } }"
        )
    ).ok()["user"]["articles"]
    assert data["totalCount"] == 3
    assert [node["title"] for node in nodes_of(data)] == ["New", "Mid"]
    assert ids_of(data) == [gid("Article", new["id"]), gid("Article", mid["id"])]
    assert {node["author"]["username"] for node in nodes_of(data)} == {"alice"}
    info = data["pageInfo"]
    assert info["hasNextPage"] is True
    assert info["hasPreviousPage"] is False
    assert info["startCursor"] == data["edges"][0]["cursor"]
    assert info["endCursor"] == data["edges"][1]["cursor"]
    assert old["id"] not in {new["id"], mid["id"]}


async def test_user_favorite_articles_are_most_recently_favorited_first(conn, gql):
    author = await factories.user(conn, "author")
    fan = await factories.user(conn, "fan")
    first = await factories.article(conn, author["id"], "First", created_at=at(1))
    second = await factories.article(conn, author["id"], "Second", created_at=at(2))
    third = await factories.article(conn, author["id"], "Third", created_at=at(3))
    # Favorited in an order unlike the articles' own.
    await favorite_at(conn, fan["id"], second["id"], at(10))
    await favorite_at(conn, fan["id"], first["id"], at(20))
    await favorite_at(conn, fan["id"], third["id"], at(5))
    await favorite_at(conn, author["id"], third["id"], at(30))

    data = (
        await gql(
            '{ user(username: "fan") { favoriteArticles { totalCount edges { node { title favoritesCount } } } } }'
        )
    ).ok()["user"]["favoriteArticles"]
    assert data["totalCount"] == 3
    assert nodes_of(data) == [
        {"title": "First", "favoritesCount": 1},
        {"title": "Second", "favoritesCount": 1},
        {"title": "Third", "favoritesCount": 2},
    ]


async def test_user_followers_and_following_are_most_recent_first(conn, gql):
    hub = await factories.user(conn, "hub")
    a = await factories.user(conn, "aaa")
    b = await factories.user(conn, "bbb")
    c = await factories.user(conn, "ccc")
    await follow_at(conn, a["id"], hub["id"], at(2))
    await follow_at(conn, b["id"], hub["id"], at(3))
    await follow_at(conn, c["id"], hub["id"], at(1))
    await follow_at(conn, hub["id"], c["id"], at(5))
    await follow_at(conn, hub["id"], a["id"], at(6))

    data = (
        await gql(
            """{ user(username: "hub") {
                followers { totalCount edges { node { username } } }
                following { totalCount edges { node { username followersCount } } } } }"""
        )
    ).ok()["user"]
    assert data["followers"]["totalCount"] == 3
    assert [node["username"] for node in nodes_of(data["followers"])] == ["bbb", "aaa", "ccc"]
    assert data["following"]["totalCount"] == 2
    assert nodes_of(data["following"]) == [
        {"username": "aaa", "followersCount": 1},
        {"username": "ccc", "followersCount": 1},
    ]


# --- Query.article, Article, Comment -------------------------------------------------------------------


async def test_article_by_slug_resolves_every_field(conn, gql):
    author = await factories.user(conn, "writer", bio="Bio")
    reader = await factories.user(conn, "reader")
    other = await factories.user(conn, "other")
    row = await factories.article(
        conn,
        author["id"],
        "Every Field",
        tags=("zeta", "alpha", "mid"),
        body="The body.",
        description="The description.",
        created_at=at(7),
    )
    await conn.execute("UPDATE articles SET updated_at = $2 WHERE id = $1", row["id"], at(9))
    await factories.favorite(conn, reader["id"], row["id"])
    await factories.favorite(conn, other["id"], row["id"])
    c1 = await factories.comment(conn, row["id"], reader["id"], "First!", created_at=at(8))
    c2 = await factories.comment(conn, row["id"], other["id"], "Second.", created_at=at(8.5))

    data = (
        await gql(
            """query($slug: String!) { article(slug: $slug) {
                id slug title description body tags createdAt updatedAt favoritesCount viewerHasFavorited
                author { id username bio }
                comments { totalCount edges { node { id body author { username } } } }
            } }""",
            {"slug": row["slug"]},
        )
    ).ok()["article"]
    assert data["id"] == gid("Article", row["id"])
    assert data["slug"] == row["slug"]
    assert data["title"] == "Every Field"
    assert data["description"] == "The description."
    assert data["body"] == "The body."
    assert data["tags"] == ["alpha", "mid", "zeta"]
    assert parse_time(data["createdAt"]) == at(7)
    assert parse_time(data["updatedAt"]) == at(9)
    assert data["favoritesCount"] == 2
    assert data["viewerHasFavorited"] is False
    assert data["author"] == {"id": gid("User", author["id"]), "username": "writer", "bio": "Bio"}
    assert data["comments"]["totalCount"] == 2
    assert nodes_of(data["comments"]) == [
        {"id": gid("Comment", c1["id"]), "body": "First!", "author": {"username": "reader"}},
        {"id": gid("Comment", c2["id"]), "body": "Second.", "author": {"username": "other"}},
    ]


async def test_article_without_tags_has_an_empty_tag_list(conn, gql):
    author = await factories.user(conn)
    row = await factories.article(conn, author["id"])
    data = (await gql("query($s: String!) { article(slug: $s) { tags } }", {"s": row["slug"]})).ok()
    assert data == {"article": {"tags": []}}


async def test_article_by_unknown_slug_is_null(conn, gql):
    author = await factories.user(conn)
    await factories.article(conn, author["id"], "Present")
    assert (await gql('{ article(slug: "absent") { id } }')).ok() == {"article": None}


async def test_comment_fields_resolve_through_node(conn, gql):
    author = await factories.user(conn, "author")
    commenter = await factories.user(conn, "commenter")
    article = await factories.article(conn, author["id"], "Commented")
    row = await factories.comment(conn, article["id"], commenter["id"], "Nice post.", created_at=at(3))
    await conn.execute("UPDATE comments SET updated_at = $2 WHERE id = $1", row["id"], at(4))

    data = (
        await gql(
            """query($id: ID!) { node(id: $id) { __typename id ... on Comment {
                body createdAt updatedAt author { username } article { id title author { username } } } } }""",
            {"id": gid("Comment", row["id"])},
        )
    ).ok()["node"]
    assert data["__typename"] == "Comment"
    assert data["id"] == gid("Comment", row["id"])
    assert data["body"] == "Nice post."
    assert parse_time(data["createdAt"]) == at(3)
    assert parse_time(data["updatedAt"]) == at(4)
    assert data["author"] == {"username": "commenter"}
    assert data["article"] == {
        "id": gid("Article", article["id"]),
        "title": "Commented",
        "author": {"username": "author"},
    }


# --- Query.node, Query.nodes ---------------------------------------------------------------------------

NODE = """query($id: ID!) { node(id: $id) { __typename id
    ... on User { username } ... on Article { title } ... on Comment { body } } }"""


async def test_node_loads_each_type_by_its_global_id(conn, gql):
    user = await factories.user(conn, "nodeuser")
    article = await factories.article(conn, user["id"], "Node Article")
    comment = await factories.comment(conn, article["id"], user["id"], "Node comment")

    for type_name, key, field, value in [
        ("User", user["id"], "username", "nodeuser"),
        ("Article", article["id"], "title", "Node Article"),
        ("Comment", comment["id"], "body", "Node comment"),
    ]:
        data = (await gql(NODE, {"id": gid(type_name, key)})).ok()["node"]
        assert data == {"__typename": type_name, "id": gid(type_name, key), field: value}


@pytest.mark.parametrize(
    "bad_id",
    ["garbage", "", base64.b64encode(b"Tag:1").decode(), base64.b64encode(b"User:01").decode(), "VXNlcjow"],
    ids=["not base64", "empty", "tag", "non-canonical", "key zero"],
)
async def test_node_with_a_malformed_id_is_a_bad_user_input_error(conn, gql, bad_id):
    response = await gql(NODE, {"id": bad_id})
    assert response.status == 200
    assert response.codes == ["BAD_USER_INPUT"]
    assert response.errors[0]["path"] == ["node"]
    assert response.data == {"node": None}


async def test_node_with_a_well_formed_id_of_a_missing_row_is_null(conn, gql):
    user = await factories.user(conn)
    for missing in [gid("User", user["id"] + 1000), gid("Article", 1), gid("Comment", 10**17)]:
        assert (await gql(NODE, {"id": missing})).ok() == {"node": None}


async def test_node_does_not_confuse_types_sharing_a_key(conn, gql):
    user = await factories.user(conn, "keyone")
    article = await factories.article(conn, user["id"], "Key One")
    assert user["id"] == article["id"] == 1
    data = (await gql(NODE, {"id": gid("Article", 1)})).ok()["node"]
    assert data["__typename"] == "Article" and data["title"] == "Key One"


NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
    ... on User { username } ... on Article { title } ... on Comment { body } } }"""


async def test_nodes_mixes_types_keeps_order_and_nulls_missing(conn, gql):
    user = await factories.user(conn, "mixer")
    article = await factories.article(conn, user["id"], "Mixed")
    comment = await factories.comment(conn, article["id"], user["id"], "Mixed comment")
    ids = [
        gid("Comment", comment["id"]),
        gid("User", user["id"]),
        gid("Article", 999),
        gid("Article", article["id"]),
        gid("User", user["id"]),
    ]
    data = (await gql(NODES, {"ids": ids})).ok()["nodes"]
    assert data == [
        {"__typename": "Comment", "id": ids[0], "body": "Mixed comment"},
        {"__typename": "User", "id": ids[1], "username": "mixer"},
        None,
        {"__typename": "Article", "id": ids[3], "title": "Mixed"},
        {"__typename": "User", "id": ids[1], "username": "mixer"},
    ]


async def test_nodes_of_an_empty_list_is_an_empty_list(gql):
    assert (await gql(NODES, {"ids": []})).ok() == {"nodes": []}


async def test_nodes_with_a_malformed_id_is_a_bad_user_input_error(conn, gql):
    user = await factories.user(conn)
    response = await gql(NODES, {"ids": [gid("User", user["id"]), "nope"]})
    assert "BAD_USER_INPUT" in response.codes


async def test_nodes_with_more_than_a_hundred_ids_is_a_bad_user_input_error(gql):
    response = await gql(NODES, {"ids": [gid("User", n) for n in range(1, 102)]})
    assert response.codes == ["BAD_USER_INPUT"]


async def test_nodes_with_a_hundred_ids_is_accepted(conn, gql):
    user = await factories.user(conn)
    ids = [gid("User", user["id"])] + [gid("User", n) for n in range(1000, 1099)]
    data = (await gql(NODES, {"ids": ids})).ok()["nodes"]
    assert len(data) == 100
    assert data[0]["id"] == ids[0]
    assert data[1:] == [None] * 99


# --- Query.users ---------------------------------------------------------------------------------------


async def test_users_are_listed_in_registration_order_with_total_count(conn, gql):
    await factories.user(conn, "third", created_at=at(3))
    await factories.user(conn, "first", created_at=at(1))
    await factories.user(conn, "second", created_at=at(2))
    data = (await gql(f"{{ users(first: 2) {{ totalCount {PAGE_INFO} edges {{ node {{ username }} }} }} }}")).ok()
    users = data["users"]
    assert users["totalCount"] == 3
    assert [node["username"] for node in nodes_of(users)] == ["first", "second"]
    assert users["pageInfo"]["hasNextPage"] is True
    assert users["pageInfo"]["hasPreviousPage"] is False


async def test_empty_connection_has_null_cursors_and_no_pages(gql):
    data = (await gql(f"{{ users {{ totalCount edges {{ cursor }} {PAGE_INFO} }} }}")).ok()["users"]
    assert data == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


# --- Query.articles: orders ----------------------------------------------------------------------------

ARTICLES = """query($first: Int, $filter: ArticleFilter, $orderBy: ArticleOrder) {
    articles(first: $first, filter: $filter, orderBy: $orderBy) {
        totalCount edges { node { title } } } }"""


async def titles(gql, **variables) -> list[str]:
    data = (await gql(ARTICLES, variables)).ok()["articles"]
    return [node["title"] for node in nodes_of(data)]


@pytest.fixture
async def ordered_articles(conn):
    """Five articles; B and C share a timestamp, and favorites tie A with D."""
    author = await factories.user(conn, "orderer")
    fans = [await factories.user(conn, f"fan{n}") for n in range(3)]
    rows = {}
    for title, seconds in [("A", 1), ("B", 2), ("C", 2), ("D", 3), ("E", 4)]:
        rows[title] = await factories.article(conn, author["id"], title, created_at=at(seconds))
    for title, count in [("A", 2), ("B", 0), ("C", 3), ("D", 2), ("E", 1)]:
        for fan in fans[:count]:
            await factories.favorite(conn, fan["id"], rows[title]["id"])
    return rows


async def test_articles_default_to_newest_first_with_ties_by_newest_id(ordered_articles, gql):
    assert await titles(gql) == ["E", "D", "C", "B", "A"]
    assert await titles(gql, orderBy="NEWEST") == ["E", "D", "C", "B", "A"]


async def test_articles_oldest_first_with_ties_by_oldest_id(ordered_articles, gql):
    assert await titles(gql, orderBy="OLDEST") == ["A", "B", "C", "D", "E"]


async def test_articles_most_favorited_first_with_ties_by_newest_id(ordered_articles, gql):
    assert await titles(gql, orderBy="MOST_FAVORITED") == ["C", "D", "A", "E", "B"]


async def test_articles_default_page_is_twenty(conn, gql):
    author = await factories.user(conn)
    for n in range(23):
        await factories.article(conn, author["id"], f"N{n}", created_at=at(n))
    data = (await gql("{ articles { totalCount edges { node { title } } pageInfo { hasNextPage } } }")).ok()
    assert len(data["articles"]["edges"]) == 20
    assert data["articles"]["edges"][0]["node"]["title"] == "N22"
    assert data["articles"]["totalCount"] == 23
    assert data["articles"]["pageInfo"]["hasNextPage"] is True


async def test_articles_first_zero_is_an_empty_page_that_knows_more_exist(conn, gql):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    data = (await gql(f"{{ articles(first: 0) {{ totalCount edges {{ cursor }} {PAGE_INFO} }} }}")).ok()["articles"]
    assert data["edges"] == []
    assert data["totalCount"] == 1
    assert data["pageInfo"]["hasNextPage"] is True


# --- Query.articles: filters ---------------------------------------------------------------------------


@pytest.fixture
async def filterable(conn):
    ann = await factories.user(conn, "Ann")
    ben = await factories.user(conn, "ben")
    cat = await factories.user(conn, "cat")
    rows = {
        "ann-python": await factories.article(
            conn, ann["id"], "Snakes", tags=("python", "pets"), body="All about PYTHONS.", created_at=at(1)
        ),
        "ann-rust": await factories.article(
            conn, ann["id"], "Crabs", tags=("rust",), description="Ferris the crab", created_at=at(2)
        ),
        "ben-python": await factories.article(
            conn, ben["id"], "Python Tips", tags=("python",), body="Indentation.", created_at=at(3)
        ),
        "ben-plain": await factories.article(conn, ben["id"], "Plain", body="Nothing here.", created_at=at(4)),
    }
    await factories.favorite(conn, cat["id"], rows["ann-python"]["id"])
    await factories.favorite(conn, cat["id"], rows["ben-plain"]["id"])
    await factories.favorite(conn, ben["id"], rows["ann-python"]["id"])
    await factories.favorite(conn, ann["id"], rows["ben-python"]["id"])
    return rows


ALL = ["Plain", "Python Tips", "Crabs", "Snakes"]
FILTER_CASES = [
    ({}, ALL),
    ({"tag": "python"}, ["Python Tips", "Snakes"]),
    ({"tag": "Python"}, ["Python Tips", "Snakes"]),
    ({"tag": "pets"}, ["Snakes"]),
    ({"tag": "nonexistent"}, []),
    ({"authorUsername": "Ann"}, ["Crabs", "Snakes"]),
    ({"authorUsername": "ANN"}, ["Crabs", "Snakes"]),
    ({"authorUsername": "nobody"}, []),
    ({"favoritedByUsername": "cat"}, ["Plain", "Snakes"]),
    ({"favoritedByUsername": "CAT"}, ["Plain", "Snakes"]),
    ({"favoritedByUsername": "ben"}, ["Snakes"]),
    ({"favoritedByUsername": "nobody"}, []),
    ({"search": "python"}, ["Python Tips", "Snakes"]),
    ({"search": "CRAB"}, ["Crabs"]),
    ({"search": "ferris"}, ["Crabs"]),
    ({"search": "indent"}, ["Python Tips"]),
    ({"search": "zzz"}, []),
    ({"search": ""}, ALL),
    ({"tag": "python", "authorUsername": "ben"}, ["Python Tips"]),
    ({"tag": "python", "favoritedByUsername": "cat"}, ["Snakes"]),
    ({"authorUsername": "ben", "favoritedByUsername": "cat"}, ["Plain"]),
    ({"authorUsername": "ann", "search": "crab"}, ["Crabs"]),
    ({"tag": "rust", "search": "python"}, []),
    ({"tag": "python", "authorUsername": "ann", "favoritedByUsername": "ben", "search": "snake"}, ["Snakes"]),
    ({"tag": None, "authorUsername": None, "favoritedByUsername": None, "search": None}, ALL),
]


async def test_articles_filter_selects_articles_meeting_every_condition(filterable, gql):
    for article_filter, expected in FILTER_CASES:
        data = (await gql(ARTICLES, {"filter": article_filter})).ok()["articles"]
        assert [node["title"] for node in nodes_of(data)] == expected, article_filter
        assert data["totalCount"] == len(expected), article_filter


async def test_articles_filter_keeps_the_requested_order(filterable, gql):
    assert await titles(gql, filter={"tag": "python"}, orderBy="OLDEST") == ["Snakes", "Python Tips"]
    assert await titles(gql, filter={"favoritedByUsername": "cat"}, orderBy="MOST_FAVORITED") == ["Snakes", "Plain"]


async def test_filtered_total_count_counts_every_match_not_the_page(filterable, gql):
    data = (await gql(ARTICLES, {"first": 1, "filter": {"tag": "python"}})).ok()["articles"]
    assert len(data["edges"]) == 1
    assert data["totalCount"] == 2


@pytest.fixture
async def wildcard_titles(conn):
    author = await factories.user(conn)
    for title in ["100% pure", "100 percent", "snake_case tips", "snakeXcase tips", "back\\slash", "backslash"]:
        await factories.article(conn, author["id"], title, body="b", description="d")


SEARCH_CASES = [
    ("100%", {"100% pure"}),
    ("%", {"100% pure"}),
    ("e_c", {"snake_case tips"}),
    ("_", {"snake_case tips"}),
    ("\\", {"back\\slash"}),
    ("k\\s", {"back\\slash"}),
    ("SNAKE", {"snake_case tips", "snakeXcase tips"}),
]


async def test_search_matches_percent_underscore_and_backslash_literally(wildcard_titles, gql):
    for search, expected in SEARCH_CASES:
        assert set(await titles(gql, filter={"search": search})) == expected, search


# --- Query.tags ----------------------------------------------------------------------------------------


async def test_tags_are_most_used_first_then_by_name(conn, gql):
    author = await factories.user(conn)
    for tags in [("go", "rust", "zig"), ("rust", "zig"), ("rust", "c"), ("zig",), ("apl",)]:
        await factories.article(conn, author["id"], tags=tags)
    data = (await gql("{ tags { name articlesCount } }")).ok()["tags"]
    assert data == [
        {"name": "rust", "articlesCount": 3},
        {"name": "zig", "articlesCount": 3},
        {"name": "apl", "articlesCount": 1},
        {"name": "c", "articlesCount": 1},
        {"name": "go", "articlesCount": 1},
    ]
    limited = (await gql("{ tags(first: 2) { name } }")).ok()["tags"]
    assert limited == [{"name": "rust"}, {"name": "zig"}]


async def test_tags_default_to_twenty(conn, gql):
    author = await factories.user(conn)
    await factories.article(conn, author["id"], tags=tuple(f"t{n:02d}" for n in range(25)))
    data = (await gql("{ tags { name } }")).ok()["tags"]
    assert [tag["name"] for tag in data] == [f"t{n:02d}" for n in range(20)]


async def test_tag_counts_follow_deleted_articles(conn, gql):
    author = await factories.user(conn)
    keep = await factories.article(conn, author["id"], tags=("kept", "shared"))
    gone = await factories.article(conn, author["id"], tags=("shared", "orphan"))
    await conn.execute("DELETE FROM articles WHERE id = $1", gone["id"])
    data = (await gql("{ tags { name articlesCount } }")).ok()["tags"]
    assert data == [{"name": "kept", "articlesCount": 1}, {"name": "shared", "articlesCount": 1}]
    assert keep["id"] != gone["id"]


# --- malformed arguments -------------------------------------------------------------------------------


BAD_PAGE_ARGUMENTS = [
    "{ articles(first: 101) { totalCount } }",
    "{ articles(first: -1) { totalCount } }",
    "{ articles(first: 1, last: 1) { totalCount } }",
    "{ articles(last: 101) { totalCount } }",
    "{ users(first: 101) { totalCount } }",
    "{ users(first: 1, last: 1) { totalCount } }",
    "{ tags(first: 101) { name } }",
    "{ tags(first: -1) { name } }",
    '{ user(username: "nested") { articles(first: 101) { totalCount } } }',
    '{ user(username: "nested") { favoriteArticles(first: -1) { totalCount } } }',
    '{ user(username: "nested") { followers(first: 1, last: 1) { totalCount } } }',
    '{ user(username: "nested") { following(last: -1) { totalCount } } }',
    "{ articles { edges { node { comments(first: 101) { totalCount } } } } }",
    '{ articles(after: "garbage") { totalCount } }',
    '{ users(before: "garbage") { totalCount } }',
    '{ articles { edges { node { comments(after: "garbage") { totalCount } } } } }',
]


async def test_out_of_range_or_contradictory_page_arguments_are_bad_user_input(conn, gql):
    user = await factories.user(conn, "nested")
    await factories.article(conn, user["id"])
    for query in BAD_PAGE_ARGUMENTS:
        response = await gql(query)
        assert response.status == 200, query
        assert response.codes and set(response.codes) == {"BAD_USER_INPUT"}, (query, response.body)


async def test_a_cursor_from_another_list_is_bad_user_input(conn, gql):
    await factories.user(conn, "one")
    await factories.user(conn, "two")
    users = (await gql("{ users(first: 1) { pageInfo { endCursor } } }")).ok()["users"]
    response = await gql(
        "query($c: String) { articles(after: $c) { totalCount } }", {"c": users["pageInfo"]["endCursor"]}
    )
    assert response.codes == ["BAD_USER_INPUT"]


async def test_a_newest_cursor_given_to_the_oldest_order_is_bad_user_input(conn, gql):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    await factories.article(conn, author["id"])
    cursor = (await gql("{ articles(first: 1) { pageInfo { endCursor } } }")).ok()["articles"]["pageInfo"]["endCursor"]
    response = await gql("query($c: String) { articles(after: $c, orderBy: OLDEST) { totalCount } }", {"c": cursor})
    assert response.codes == ["BAD_USER_INPUT"]


def _raw_cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("order", "cursor"),
    [
        ("MOST_FAVORITED", _raw_cursor(["articles.favorited", [2**40, 1]])),
        ("MOST_FAVORITED", _raw_cursor(["articles.favorited", [1, 2**64 - 1]])),
        ("NEWEST", _raw_cursor(["articles.newest", [0, 2**63]])),
    ],
    ids=["favorites count past int4", "id past int8", "id past int8 on newest"],
)
async def test_a_cursor_with_values_outside_their_column_types_is_bad_user_input(conn, gql, order, cursor):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    response = await gql(
        f"query($c: String) {{ articles(first: 1, after: $c, orderBy: {order}) {{ totalCount }} }}", {"c": cursor}
    )
    assert response.codes == ["BAD_USER_INPUT"]


# --- totalCount of nested connections ------------------------------------------------------------------


async def test_nested_total_counts_are_per_parent(conn, gql):
    ann = await factories.user(conn, "ann", created_at=at(1))
    bob = await factories.user(conn, "bob", created_at=at(2))
    cid = await factories.user(conn, "cid", created_at=at(3))
    a1 = await factories.article(conn, ann["id"], "A1", created_at=at(10))
    a2 = await factories.article(conn, ann["id"], "A2", created_at=at(11))
    b1 = await factories.article(conn, bob["id"], "B1", created_at=at(12))
    for article, fan in [(a1, bob), (a2, bob), (b1, bob), (a1, cid)]:
        await factories.favorite(conn, fan["id"], article["id"])
    for follower, followee in [(bob, ann), (cid, ann), (ann, bob)]:
        await factories.follow(conn, follower["id"], followee["id"])
    for article, author, n in [(a1, bob, 3), (b1, ann, 1)]:
        for _ in range(n):
            await factories.comment(conn, article["id"], author["id"])

    data = (
        await gql(
            """{ users { edges { node { username
                articles(first: 1) { totalCount edges { node { title comments(first: 1) { totalCount } } } }
                favoriteArticles(first: 1) { totalCount }
                followers(first: 1) { totalCount }
                following(first: 1) { totalCount }
            } } } }"""
        )
    ).ok()
    counts = {
        node["username"]: (
            node["articles"]["totalCount"],
            node["favoriteArticles"]["totalCount"],
            node["followers"]["totalCount"],
            node["following"]["totalCount"],
        )
        for node in nodes_of(data["users"])
    }
    assert counts == {"ann": (2, 0, 2, 1), "bob": (1, 3, 1, 1), "cid": (0, 1, 0, 1)}
    first_articles = {
        node["username"]: [(a["title"], a["comments"]["totalCount"]) for a in nodes_of(node["articles"])]
        for node in nodes_of(data["users"])
    }
    assert first_articles == {"ann": [("A2", 0)], "bob": [("B1", 1)], "cid": []}

    comments = (await gql("{ articles(orderBy: OLDEST) { edges { node { title comments { totalCount } } } } }")).ok()
    assert [(n["title"], n["comments"]["totalCount"]) for n in nodes_of(comments["articles"])] == [
        ("A1", 3),
        ("A2", 0),
        ("B1", 1),
    ]


async def test_aliased_windows_of_one_nested_connection_each_get_their_own_page(conn, gql):
    author = await factories.user(conn)
    other = await factories.user(conn)
    articles = [await factories.article(conn, user["id"], created_at=at(n)) for n, user in enumerate([author, other])]
    for article in articles:
        for n in range(4):
            await factories.comment(conn, article["id"], author["id"], f"{article['id']}.{n}", created_at=at(10 + n))
    data = (
        await gql(
            """{ articles(orderBy: OLDEST) { edges { node {
                head: comments(first: 1) { edges { node { body } } pageInfo { hasNextPage } }
                tail: comments(last: 2) { edges { node { body } } pageInfo { hasPreviousPage } }
                all: comments { totalCount edges { node { body } } }
            } } } }"""
        )
    ).ok()
    for article, node in zip(articles, nodes_of(data["articles"]), strict=True):
        bodies = [f"{article['id']}.{n}" for n in range(4)]
        assert [c["body"] for c in nodes_of(node["head"])] == bodies[:1]
        assert node["head"]["pageInfo"]["hasNextPage"] is True
        assert [c["body"] for c in nodes_of(node["tail"])] == bodies[2:]
        assert node["tail"]["pageInfo"]["hasPreviousPage"] is True
        assert [c["body"] for c in nodes_of(node["all"])] == bodies
        assert node["all"]["totalCount"] == 4


async def test_viewer_flags_are_false_without_a_token_even_when_rows_exist(conn, gql):
    ann = await factories.user(conn, "ann")
    bob = await factories.user(conn, "bob")
    article = await factories.article(conn, ann["id"])
    await factories.favorite(conn, bob["id"], article["id"])
    await factories.follow(conn, bob["id"], ann["id"])
    data = (await gql("{ articles { edges { node { viewerHasFavorited author { viewerIsFollowing } } } } }")).ok()
    assert nodes_of(data["articles"]) == [{"viewerHasFavorited": False, "author": {"viewerIsFollowing": False}}]
