"""The routing's pure parts (WAL positions, lag in seconds) and the app without replicas, unchanged.

The routing itself, on a real streaming replica, is tests/db/test_replicas.py.
"""

import pytest

from db.replicas import History, format_position, parse_position
from tests.graphql_client import GraphQLClient

REGISTER = """
mutation { register(input: {username: "solo", email: "solo@example.com", password: "a long enough password"}) {
  token errors { message } } }
"""


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("0/0", 0),
        ("0/16B3748", 0x16B3748),
        ("1/0", 1 << 32),
        ("FFFFFFFF/FFFFFFFF", (1 << 64) - 1),
        ("a/b", 0xA_0000000B),
    ],
)
def test_a_wal_position_reads_as_postgresql_prints_it_and_back(text: str, position: int) -> None:
    assert parse_position(text) == position
    assert format_position(position) == text.upper()


@pytest.mark.parametrize("text", ["", "0", "0/", "/0", "0/1/2", "g/0", "100000000/0", "0/+1", "0/1_0", "-1/0"])
def test_anything_else_is_not_a_wal_position(text: str) -> None:
    with pytest.raises(ValueError, match="not a WAL position"):
        parse_position(text)


def test_positions_compare_across_the_high_word() -> None:
    assert parse_position("0/FFFFFFFF") < parse_position("1/0")


def test_a_replica_is_as_far_behind_as_the_oldest_primary_position_it_lacks() -> None:
    history = History(window=10)
    history.add(100.0, 1000)
    history.add(101.0, 2000)
    history.add(102.0, 3000)
    assert history.lag(3000, now=103.0) == 0.0  # replayed everything the primary showed
    assert history.lag(2500, now=103.0) == 1.0  # lacks what the primary had at 102
    assert history.lag(999, now=103.0) == 3.0


def test_an_idle_primary_leaves_an_idle_replica_at_no_lag_however_long_ago_the_last_write() -> None:
    history = History(window=5)
    history.add(0.0, 1000)
    for second in range(1, 100):
        history.add(float(second), 1000)  # no new WAL
    assert history.lag(1000, now=100.0) == 0.0
    assert len(history.samples) == 1


def test_the_history_forgets_past_its_window_but_still_shows_a_replica_behind_it() -> None:
    history = History(window=5)
    for second in range(100):
        history.add(float(second), 1000 * (second + 1))
    assert len(history.samples) <= 7
    assert history.lag(0, now=100.0) >= 5  # older than anything kept: at least the window behind


async def test_without_replicas_a_mutation_answers_as_before(http) -> None:
    response = await http.post("/graphql", json={"query": REGISTER})
    body = response.json()
    assert body["data"]["register"]["errors"] == []
    assert "extensions" not in body
    assert "x-wal-position" not in response.headers


async def test_without_replicas_the_wal_position_header_is_ignored(gql: GraphQLClient, http) -> None:
    response = await http.post("/graphql", json={"query": "{ tags { name } }"}, headers={"x-wal-position": "junk"})
    assert response.json() == {"data": {"tags": []}}


async def test_without_replicas_readyz_lists_no_pools(http) -> None:
    assert (await http.get("/readyz")).json() == {"status": "ready"}
