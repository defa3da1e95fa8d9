"""A page of REST articles costs the same statements for 5 rows as for 20: no N+1 behind /api.

The count is the one the request's log line reports (graph/rest/observe.py),
read from the records: every statement the request sent, the token's check
included.
"""

import logging

import pytest

from graph.auth.tokens import Tokens
from tests import factories
from tests.rest_client import auth
from tests.servers import TEST_SECRET


async def _seed(conn) -> dict:
    authors = [await factories.user(conn) for _ in range(20)]
    reader = await factories.user(conn, "reader")
    for author in authors[::2]:
        await factories.follow(conn, reader["id"], author["id"])
    for i in range(40):
        article = await factories.article(conn, authors[i % 20]["id"], tags=(f"seven{i % 7}", f"three{i % 3}"))
        if i % 3 == 0:
            await factories.favorite(conn, reader["id"], article["id"])
    return reader


async def _statements(http, caplog, path: str, params: dict, headers: dict) -> tuple[int, dict]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.request"):
        response = await http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    (record,) = [r for r in caplog.records if r.name == "graph.request" and r.getMessage() == "rest request"]
    return record.fields["statements"], response.json()


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/api/articles", False), ("/api/articles", True), ("/api/articles/feed", True)],
    ids=["list-anonymous", "list-signed-in", "feed"],
)
async def test_a_page_of_articles_costs_a_constant_number_of_statements(http, conn, caplog, signed_in, path):
    reader = await _seed(conn)
    headers = auth(Tokens(TEST_SECRET.encode(), 3600).issue(reader["id"], 0)) if signed_in else {}
    counts = {}
    for limit in (5, 20):
        counts[limit], body = await _statements(http, caplog, path, {"limit": limit}, headers)
        assert len(body["articles"]) == limit
        authors = {article["author"]["username"] for article in body["articles"]}
        assert len(authors) >= min(limit, 10)  # many distinct authors: an N+1 would show
        if signed_in:
            assert any(article["favorited"] for article in body["articles"])
            assert any(article["author"]["following"] for article in body["articles"])
    # Anonymous: page, count, tags, authors. Signed in: the token's check, and the viewer's favorites and follows.
    assert counts[5] == counts[20] == (7 if signed_in else 4)
