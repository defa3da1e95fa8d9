"""The expected answers, in the normalized form of `bench.shapes`, straight from SQL.

Written independently of `db/` (plain queries over the tables), so a system
that shares our SQL is still checked against something it did not produce.
"""

from typing import Any

import asyncpg

from bench.shapes import M1_INPUT, UNIQUE
from graph.schema.input_checks import slugify

NEWEST = "ORDER BY a.created_at DESC, a.id DESC"


async def q1(connection: asyncpg.Connection, username: str) -> Any:
    user = await connection.fetchrow("SELECT id, username FROM users WHERE lower(username) = lower($1)", username)
    titles = await connection.fetch(f"SELECT title FROM articles a WHERE author_id = $1 {NEWEST} LIMIT 10", user["id"])
    return {"username": user["username"], "titles": [row["title"] for row in titles]}


async def q2(connection: asyncpg.Connection) -> Any:
    rows = await connection.fetch(
        f"SELECT a.id, a.title, u.username FROM articles a JOIN users u ON u.id = a.author_id {NEWEST} LIMIT 50"
    )
    result = []
    for row in rows:
        comments = await connection.fetch(
            """SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.author_id
            WHERE c.article_id = $1 ORDER BY c.created_at, c.id LIMIT 5""",
            row["id"],
        )
        result.append(
            {
                "id": row["id"],
                "title": row["title"],
                "author": row["username"],
                "comments": [{"id": c["id"], "body": c["body"], "author": c["username"]} for c in comments],
            }
        )
    return result


async def q3(connection: asyncpg.Connection) -> Any:
    rows = await connection.fetch("SELECT id, username FROM users ORDER BY created_at, id LIMIT 100")
    return [{"id": row["id"], "username": row["username"]} for row in rows]


async def q4(connection: asyncpg.Connection, reader_id: int) -> Any:
    rows = await connection.fetch(
        f"""SELECT a.id, a.title, u.username, a.favorites_count,
            ARRAY(SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
                  WHERE x.article_id = a.id ORDER BY t.name) AS tags,
            EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1) AS favorited
        FROM articles a JOIN users u ON u.id = a.author_id
        WHERE a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)
        {NEWEST} LIMIT 20""",
        reader_id,
    )
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "author": row["username"],
            "tags": list(row["tags"]),
            "favoritesCount": row["favorites_count"],
            "viewerHasFavorited": row["favorited"],
        }
        for row in rows
    ]


async def m1(connection: asyncpg.Connection, unique: str, writer: str) -> Any:
    """What createArticle must answer; the article must also be in the table, by the writer."""
    title = M1_INPUT["title"].replace(UNIQUE, unique)
    stored = await connection.fetchval(
        "SELECT count(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE a.title = $1 AND u.username = $2",
        title,
        writer,
    )
    if stored != 1:
        return {"stored_articles_with_that_title": stored}
    return {
        "title": title,
        "description": M1_INPUT["description"],
        "slug": slugify(title),
        "tags": sorted(tag.replace(UNIQUE, unique) for tag in M1_INPUT["tags"]),
        "author": writer,
    }


async def m2(connection: asyncpg.Connection, article_id: int, writer_id: int, favorite: bool) -> Any:
    """What (un)favoriteArticle must answer: the viewer's new state and the stored count."""
    row = await connection.fetchrow(
        """SELECT (SELECT count(*) FROM favorites WHERE article_id = $1) AS n,
                  EXISTS (SELECT 1 FROM favorites WHERE article_id = $1 AND user_id = $2) AS mine""",
        article_id,
        writer_id,
    )
    if row["mine"] != favorite:
        return {"stored_favorite": row["mine"]}
    return {"id": article_id, "favoritesCount": row["n"], "viewerHasFavorited": favorite}
