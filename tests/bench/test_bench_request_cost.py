"""bench/request_cost.py: Python instructions per request, counted in process."""

import orjson

from bench.request_cost import count
from bench.shapes import Q1
from graph.app import create_app
from tests import factories


async def test_a_request_is_counted_the_same_every_time(settings, conn) -> None:
    author = await factories.user(conn)
    for title in ("First", "Second"):
        await factories.article(conn, author["id"], title)
    body = orjson.dumps({"query": Q1.ours, "variables": {"username": author["username"]}})
    costs = [await count(create_app(settings), "/graphql", body, requests=16, concurrency=4) for _ in range(2)]
    for cost in costs:
        assert cost.status == 200
        edges = orjson.loads(cost.body)["data"]["user"]["articles"]["edges"]
        assert sorted(edge["node"]["title"] for edge in edges) == ["First", "Second"]
        assert cost.requests == 16
        assert any(name == "graphql_post (graph/http/endpoint.py)" for name, _ in cost.top(200))
    first, second = (cost.per_request for cost in costs)
    assert 1_000 < first < 100_000  # ~5,000 planned, ~23,000 on the general path (PLANNED_EXECUTION=false)
    assert abs(first - second) / first < 0.02  # a count, not a clock: runs agree
