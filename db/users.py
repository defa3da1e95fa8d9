"""Users and follows: reads."""

from collections.abc import Sequence

import asyncpg

from db.keyset import Page, SortKey, Window
from db.pool import Queryable

USER_COLUMNS = "u.id, u.username, u.email, u.bio, u.image, u.created_at, u.updated_at"

USERS_BY_IDS = f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = any($1::bigint[])"
USER_BY_USERNAME = f"SELECT {USER_COLUMNS} FROM users u WHERE lower(u.username) = lower($1)"

# `users`: registration order, oldest first.
USERS_ORDER = SortKey("users", (("u.created_at", "timestamptz", "created_at"), ("u.id", "bigint", "id")), False)
USERS_PAGE = USERS_ORDER.statements(
    f"SELECT {USER_COLUMNS} FROM users u WHERE {{where}} ORDER BY {{order}} LIMIT $1", first_param=2
)
USERS_COUNT = "SELECT count(*) FROM users"

FOLLOWER_COUNTS = """
SELECT followee_id AS id, count(*) AS n FROM follows WHERE followee_id = any($1::bigint[]) GROUP BY followee_id
"""
FOLLOWING_COUNTS = """
SELECT follower_id AS id, count(*) AS n FROM follows WHERE follower_id = any($1::bigint[]) GROUP BY follower_id
"""
VIEWER_FOLLOWS = "SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id = any($2::bigint[])"

# Followers and following: most recent follow first.
FOLLOWERS_ORDER = SortKey(
    "followers", (("f.created_at", "timestamptz", "followed_at"), ("f.follower_id", "bigint", "id")), True
)
FOLLOWERS_PAGES = FOLLOWERS_ORDER.statements(
    f"""
    SELECT p.parent_id, x.* FROM unnest($1::bigint[]) AS p(parent_id)
    CROSS JOIN LATERAL (
        SELECT {USER_COLUMNS}, f.created_at AS followed_at
        FROM follows f JOIN users u ON u.id = f.follower_id
        WHERE f.followee_id = p.parent_id AND {{where}}
        ORDER BY {{order}} LIMIT $2
    ) x
    """,
    first_param=3,
)
FOLLOWING_ORDER = SortKey(
    "following", (("f.created_at", "timestamptz", "followed_at"), ("f.followee_id", "bigint", "id")), True
)
FOLLOWING_PAGES = FOLLOWING_ORDER.statements(
    f"""
    SELECT p.parent_id, x.* FROM unnest($1::bigint[]) AS p(parent_id)
    CROSS JOIN LATERAL (
        SELECT {USER_COLUMNS}, f.created_at AS followed_at
        FROM follows f JOIN users u ON u.id = f.followee_id
        WHERE f.follower_id = p.parent_id AND {{where}}
        ORDER BY {{order}} LIMIT $2
    ) x
    """,
    first_param=3,
)


async def users_by_ids(db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
    return await db.fetch(USERS_BY_IDS, list(ids))


async def user_by_username(db: Queryable, username: str) -> asyncpg.Record | None:
    return await db.fetchrow(USER_BY_USERNAME, username)


async def users_page(db: Queryable, window: Window) -> Page:
    rows = await db.fetch(USERS_PAGE[window.backward], window.limit + 1, *USERS_ORDER.boundary(window))
    return USERS_ORDER.page(rows, window)


async def users_count(db: Queryable) -> int:
    return await db.fetchval(USERS_COUNT)


async def follower_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return {row["id"]: row["n"] for row in await db.fetch(FOLLOWER_COUNTS, list(user_ids))}


async def following_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return {row["id"]: row["n"] for row in await db.fetch(FOLLOWING_COUNTS, list(user_ids))}


async def followed_by(db: Queryable, follower_id: int, user_ids: Sequence[int]) -> set[int]:
    """Which of `user_ids` the given user follows."""
    return {row["followee_id"] for row in await db.fetch(VIEWER_FOLLOWS, follower_id, list(user_ids))}


async def followers_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    rows = await db.fetch(
        FOLLOWERS_PAGES[window.backward], list(user_ids), window.limit + 1, *FOLLOWERS_ORDER.boundary(window)
    )
    return FOLLOWERS_ORDER.pages(rows, list(user_ids), window)


async def following_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    rows = await db.fetch(
        FOLLOWING_PAGES[window.backward], list(user_ids), window.limit + 1, *FOLLOWING_ORDER.boundary(window)
    )
    return FOLLOWING_ORDER.pages(rows, list(user_ids), window)
