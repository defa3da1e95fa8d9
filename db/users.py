"""Users and follows: reads (declared in db/catalog.py) and writes."""

from collections.abc import Sequence

import asyncpg

from db.catalog import (
    ALL_USERS,
    FOLLOWERS,
    FOLLOWING,
    USER_BY_USERNAME,
    USER_COLUMNS,
    USERS,
    VIEWER_FOLLOWS,
)
from db.catalog import FOLLOWERS_ORDER as FOLLOWERS_ORDER  # re-exported for the resolvers
from db.catalog import FOLLOWING_ORDER as FOLLOWING_ORDER
from db.catalog import USERS_ORDER as USERS_ORDER
from db.keyset import Page, Window
from db.pool import Queryable


async def users_by_ids(db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
    return await USERS.rows_by_ids(db, ids)


async def user_by_username(db: Queryable, username: str) -> asyncpg.Record | None:
    return await USER_BY_USERNAME.row_for(db, username)


async def users_page(db: Queryable, window: Window) -> Page:
    return await ALL_USERS.page_of(db, None, window)


async def users_count(db: Queryable) -> int:
    return await ALL_USERS.count_of(db)


async def follower_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return await FOLLOWERS.counts_of(db, user_ids)


async def following_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return await FOLLOWING.counts_of(db, user_ids)


async def followed_by(db: Queryable, follower_id: int, user_ids: Sequence[int]) -> set[int]:
    """Which of `user_ids` the given user follows."""
    return await VIEWER_FOLLOWS.among(db, follower_id, user_ids)


async def followers_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await FOLLOWERS.pages_of(db, user_ids, window)


async def following_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await FOLLOWING.pages_of(db, user_ids, window)


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
    assert row is not None, "INSERT ... RETURNING returns its row (a conflict raises)"
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
    assert row is not None, "callers update the signed-in viewer, whose row exists"
    return row


async def set_password_hash(db: Queryable, user_id: int, password_hash: str) -> None:
    await db.execute(SET_PASSWORD_HASH, user_id, password_hash)


async def follow(db: Queryable, follower_id: int, followee_id: int) -> None:
    await db.execute(FOLLOW, follower_id, followee_id)


async def unfollow(db: Queryable, follower_id: int, followee_id: int) -> None:
    await db.execute(UNFOLLOW, follower_id, followee_id)
