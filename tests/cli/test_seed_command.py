"""`python -m graph seed` can be run again and again, with any sizes in any order, and leaves what it was asked for."""

import asyncpg
import pytest

from db.seed import TAGS
from tests.commands import command_env, run_command

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

COUNTS = """
SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM articles), (SELECT count(*) FROM comments),
       (SELECT count(*) FROM tags), (SELECT coalesce(sum(articles_count), 0) FROM tags),
       (SELECT count(*) FROM article_tags)
"""


async def counts(conn: asyncpg.Connection) -> tuple[int, int, int, int]:
    users, articles, comments, tags, tagged, article_tags = await conn.fetchrow(COUNTS)
    # The bulk load recounts the counters its triggers skipped.
    assert tagged == article_tags
    return users, articles, comments, tags


async def test_seed_runs_in_any_order_with_any_sizes(conn, database_url, tmp_path) -> None:
    env = command_env(tmp_path, DATABASE_URL=database_url)

    def seed(*args: str):
        return run_command("seed", *args, env=env, timeout=60)

    first = seed("--users", "3", "--articles", "4", "--comments", "5")
    assert first.returncode == 0, first.stderr
    assert "seed: 3 users, 4 articles, 5 comments" in first.stdout
    assert await counts(conn) == (3, 4, 5, len(TAGS))

    # Once, this left the tags behind and every later seed failed on tags_pkey.
    emptied = seed("--reset", "--users", "0", "--articles", "0", "--comments", "0")
    assert emptied.returncode == 0, emptied.stderr
    assert await counts(conn) == (0, 0, 0, 0)

    # Unset counts follow the ones given: no articles, so no comments either.
    on_empty = seed("--articles", "0", "--users", "2")
    assert on_empty.returncode == 0, on_empty.stderr
    assert "seed: 2 users, 0 articles, 0 comments" in on_empty.stdout
    assert await counts(conn) == (2, 0, 0, 0)

    reset = seed("--comments", "5", "--reset", "--articles", "4", "--users", "3")
    assert reset.returncode == 0, reset.stderr
    assert await counts(conn) == (3, 4, 5, len(TAGS))

    again = seed("--users", "1")
    assert again.returncode == 0
    assert "already has data" in again.stdout
    assert await counts(conn) == (3, 4, 5, len(TAGS))


async def test_seed_refuses_sizes_that_cannot_be_written(conn, database_url, tmp_path) -> None:
    env = command_env(tmp_path, DATABASE_URL=database_url)
    for args, problem in [
        (("--users", "-1"), "negative"),
        (("--users", "0", "--articles", "3"), "articles need authors"),
        (("--articles", "0", "--comments", "2"), "comments need articles"),
        (("--comments", "many"), "not a whole number"),
    ]:
        result = run_command("seed", "--reset", *args, env=env, timeout=60)
        assert result.returncode == 2, args
        assert problem in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert await counts(conn) == (0, 0, 0, 0)
