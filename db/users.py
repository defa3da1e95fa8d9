"""Users and follows: reads."""

from collections.abc import Sequence

import asyncpg

from db.keyset import Page, SortKey, Window, fetch_pages
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
    count: int = await db.fetchval(USERS_COUNT)
    return count


async def follower_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return {row["id"]: row["n"] for row in await db.fetch(FOLLOWER_COUNTS, list(user_ids))}


async def following_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return {row["id"]: row["n"] for row in await db.fetch(FOLLOWING_COUNTS, list(user_ids))}


async def followed_by(db: Queryable, follower_id: int, user_ids: Sequence[int]) -> set[int]:
    """Which of `user_ids` the given user follows."""
    return {row["followee_id"] for row in await db.fetch(VIEWER_FOLLOWS, follower_id, list(user_ids))}


async def followers_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await fetch_pages(db, FOLLOWERS_PAGES, FOLLOWERS_ORDER, user_ids, window)


async def following_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await fetch_pages(db, FOLLOWING_PAGES, FOLLOWING_ORDER, user_ids, window)


# Writes. Each runs on the caller's transaction.

CREDENTIALS_BY_EMAIL = "SELECT id, password_hash, token_version FROM users WHERE email = $1"
USER_WITH_TOKEN_VERSION = f"SELECT {USER_COLUMNS}, u.token_version FROM users u WHERE u.id = $1"
TAKEN_NAMES = """
SELECT lower(username) = lower($1) AS username_taken, email = $2 AS email_taken
FROM users WHERE (lower(username) = lower($1) OR email = $2) AND id <> $3
"""
INSERT_USER = f"""
INSERT INTO users AS u (username, email, password_hash) VALUES ($1, $2, $3) RETURNING {USER_COLUMNS}
"""
# NULL parameters leave a column as it is; $7 says whether to clear bio, $8 image.
UPDATE_USER = f"""
UPDATE users AS u SET
    username = coalesce($2, username),
    email = coalesce($3, email),
    password_hash = coalesce($4, password_hash),
    token_version = token_version + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END,
    bio = CASE WHEN $7 THEN NULL ELSE coalesce($5, bio) END,
    image = CASE WHEN $8 THEN NULL ELSE coalesce($6, image) END,
    updated_at = now()
WHERE id = $1
RETURNING {USER_COLUMNS}, u.token_version
"""
SET_PASSWORD_HASH = "UPDATE users SET password_hash = $2 WHERE id = $1"
FOLLOW = "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
UNFOLLOW = "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2"


async def credentials_by_email(db: Queryable, email: str) -> asyncpg.Record | None:
    return await db.fetchrow(CREDENTIALS_BY_EMAIL, email)


async def user_with_token_version(db: Queryable, user_id: int) -> asyncpg.Record | None:
    return await db.fetchrow(USER_WITH_TOKEN_VERSION, user_id)


async def taken_names(db: Queryable, username: str | None, email: str | None, except_id: int = 0) -> set[str]:
    """Which of username/email already belong to someone other than `except_id`."""
    taken = set()
    for row in await db.fetch(TAKEN_NAMES, username, email, except_id):
        if row["username_taken"]:
            taken.add("username")
        if row["email_taken"]:
            taken.add("email")
    return taken


async def insert_user(db: Queryable, username: str, email: str, password_hash: str) -> asyncpg.Record:
    row = await db.fetchrow(INSERT_USER, username, email, password_hash)
    assert row is not None  # INSERT ... RETURNING returns the row it wrote
    return row


async def update_user(
    db: Queryable,
    user_id: int,
    *,
    username: str | None = None,
    email: str | None = None,
    password_hash: str | None = None,
    bio: str | None = None,
    image: str | None = None,
    clear_bio: bool = False,
    clear_image: bool = False,
) -> asyncpg.Record:
    """Changes what is given; a new password hash also revokes every older token."""
    row = await db.fetchrow(UPDATE_USER, user_id, username, email, password_hash, bio, image, clear_bio, clear_image)
    assert row is not None  # the viewer's row: users are never deleted
    return row


async def set_password_hash(db: Queryable, user_id: int, password_hash: str) -> None:
    await db.execute(SET_PASSWORD_HASH, user_id, password_hash)


async def follow(db: Queryable, follower_id: int, followee_id: int) -> None:
    await db.execute(FOLLOW, follower_id, followee_id)


async def unfollow(db: Queryable, follower_id: int, followee_id: int) -> None:
    await db.execute(UNFOLLOW, follower_id, followee_id)
