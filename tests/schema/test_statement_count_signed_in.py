"""Signed in, the viewer-keyed fields add one batch per level, never one per row."""

from tests import factories

NESTED = """
query Nested($n: Int!) {
  articles(first: $n) {
    edges { node {
      title
      viewerHasFavorited
      favoritesCount
      author { username viewerIsFollowing }
      comments(first: 5) { edges { node { body author { username viewerIsFollowing } } } }
    } }
  }
}
"""


async def _seed(conn, articles: int) -> dict:
    authors = [await factories.user(conn) for _ in range(10)]
    reader = await factories.user(conn, "reader")
    followed = {author["id"] for author in authors[::2]}
    for author_id in followed:
        await factories.follow(conn, reader["id"], author_id)
    favorited = set()
    for i in range(articles):
        article = await factories.article(conn, authors[i % 10]["id"])
        for j in range(6):
            await factories.comment(conn, article["id"], authors[(i + j) % 10]["id"])
        if i % 3 == 0:
            await factories.favorite(conn, reader["id"], article["id"])
            favorited.add(article["title"])
        if i % 4 == 0:
            await factories.favorite(conn, authors[(i + 1) % 10]["id"], article["id"])
    favorites_count = dict(await conn.fetch("SELECT title, favorites_count FROM articles"))
    return {
        "reader": reader,
        "followed": {author["username"] for author in authors if author["id"] in followed},
        "favorited": favorited,
        "favorites_count": favorites_count,
    }


async def test_signed_in_nested_query_statement_count_does_not_grow_with_rows(conn, execute):
    seeded = await _seed(conn, 100)

    counts = {}
    for n in (5, 50, 100):
        result = await execute(NESTED, {"n": n}, viewer_id=seeded["reader"]["id"])
        assert not result.errors, result.errors
        edges = result.data["articles"]["edges"]
        assert len(edges) == n
        assert all(len(edge["node"]["comments"]["edges"]) == 5 for edge in edges)
        counts[n] = result.statements

    # One statement per batch, batches by level: (1) the articles; (2) the
    # viewer's favorites among them, their authors, the comments of all of
    # them; (3) whether the viewer follows the authors, the comment authors;
    # (4) whether the viewer follows the comment authors. Two batches of one
    # loader may merge into one when the second asks before the first was
    # dispatched (the follow lookups of (3) and (4), say), and keys already
    # cached need no statement at all (with 10 or more articles every comment
    # author also wrote one, so (3)'s users and (4) are answered from the
    # cache), so the count is at most 7 and never rises with the rows.
    assert counts[5] <= 7
    assert counts[50] == counts[100] <= counts[5]


async def test_signed_in_nested_query_reports_the_viewers_favorites_and_follows(conn, execute):
    seeded = await _seed(conn, 30)
    assert seeded["favorited"] and seeded["followed"]

    result = await execute(NESTED, {"n": 30}, viewer_id=seeded["reader"]["id"])

    assert not result.errors, result.errors
    nodes = [edge["node"] for edge in result.data["articles"]["edges"]]
    assert len(nodes) == 30
    for node in nodes:
        assert node["viewerHasFavorited"] is (node["title"] in seeded["favorited"]), node["title"]
        assert node["favoritesCount"] == seeded["favorites_count"][node["title"]]
        author = node["author"]
        assert author["viewerIsFollowing"] is (author["username"] in seeded["followed"]), author
        for comment in node["comments"]["edges"]:
            commenter = comment["node"]["author"]
            assert commenter["viewerIsFollowing"] is (commenter["username"] in seeded["followed"]), commenter
    assert {node["viewerHasFavorited"] for node in nodes} == {True, False}
    assert {node["author"]["viewerIsFollowing"] for node in nodes} == {True, False}


async def test_anonymous_nested_query_reports_no_favorites_or_follows(conn, execute):
    seeded = await _seed(conn, 10)

    result = await execute(NESTED, {"n": 10})

    assert not result.errors, result.errors
    nodes = [edge["node"] for edge in result.data["articles"]["edges"]]
    assert not any(node["viewerHasFavorited"] for node in nodes)
    assert not any(node["author"]["viewerIsFollowing"] for node in nodes)
    assert not any(
        comment["node"]["author"]["viewerIsFollowing"] for node in nodes for comment in node["comments"]["edges"]
    )
    assert sum(node["favoritesCount"] for node in nodes) == sum(seeded["favorites_count"].values())
