"""Plain async functions that put rows in the database for a test to read."""

from datetime import datetime
from functools import cache
from itertools import count

import asyncpg

from graph.auth.passwords import hash_password_sync

PASSWORD = "correct horse battery"
_serial = count(1)


@cache
def password_hash() -> str:
    return hash_password_sync(PASSWORD)


async def user(conn: asyncpg.Connection, username: str | None = None, **fields) -> asyncpg.Record:
    username = username or f"user{next(_serial)}"
    return await conn.fetchrow(
        """
        INSERT INTO users (username, email, password_hash, bio, image, created_at)
        VALUES ($1, $2, $3, $4, $5, coalesce($6, now())) RETURNING *
        """,
        username,
        fields.get("email", f"{username.lower()}@example.com"),
        fields.get("password_hash", password_hash()),
        fields.get("bio"),
        fields.get("image"),
        fields.get("created_at"),
    )


async def article(
    conn: asyncpg.Connection,
    author_id: int,
    title: str | None = None,
    *,
    tags: tuple[str, ...] = (),
    body: str = "Body text.",
    description: str = "About it.",
    created_at: datetime | None = None,
) -> asyncpg.Record:
    n = next(_serial)
    title = title or f"Article {n}"
    row = await conn.fetchrow(
        """
        INSERT INTO articles (author_id, slug, title, description, body, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, coalesce($6, now()), coalesce($6, now())) RETURNING *
        """,
        author_id,
        f"{title.lower().replace(' ', '-')}-{n}",
        title,
        description,
        body,
        created_at,
    )
    for tag in tags:
        tag_id = await conn.fetchval(
            "INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            tag,
        )
        await conn.execute("INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2)", row["id"], tag_id)
    return row


async def comment(
    conn: asyncpg.Connection,
    article_id: int,
    author_id: int,
    body: str | None = None,
    created_at: datetime | None = None,
) -> asyncpg.Record:
    return await conn.fetchrow(
        """
        INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
        VALUES ($1, $2, $3, coalesce($4, now()), coalesce($4, now())) RETURNING *
        """,
        article_id,
        author_id,
        body or f"Comment {next(_serial)}",
        created_at,
    )


async def follow(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> None:
    await conn.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", follower_id, followee_id)


async def favorite(conn: asyncpg.Connection, user_id: int, article_id: int) -> None:
    await conn.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", user_id, article_id)
