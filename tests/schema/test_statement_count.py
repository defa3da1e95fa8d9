"""The number of SQL statements grows with the query's depth, never with its rows."""

from tests import factories

NESTED = """
query Nested($n: Int!) {
  articles(first: $n) {
    edges { node {
      title
      author { username }
      comments(first: 5) { edges { node { body author { username } } } }
    } }
  }
}
"""


async def _seed(conn, articles: int) -> None:
    authors = [await factories.user(conn) for _ in range(10)]
    for i in range(articles):
        article = await factories.article(conn, authors[i % 10]["id"])
        for j in range(6):
            await factories.comment(conn, article["id"], authors[(i + j) % 10]["id"])


async def test_nested_query_statement_count_does_not_grow_with_rows(conn, execute):
    await _seed(conn, 100)

    counts = {}
    for n in (5, 50, 100):
        result = await execute(NESTED, {"n": n})
        assert not result.errors
        edges = result.data["articles"]["edges"]
        assert len(edges) == n
        assert all(len(edge["node"]["comments"]["edges"]) == 5 for edge in edges)
        counts[n] = result.statements

    # One statement per level: articles, their authors, the comments of all of
    # them, the comment authors. Two user batches may merge into one when the
    # comments come back before the article authors were dispatched, so the
    # count is at most the depth, and it never rises with the number of rows.
    assert counts[5] <= 4
    assert counts[50] == counts[100] <= counts[5]
