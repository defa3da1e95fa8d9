"""Rows to RealWorld JSON: users, profiles, articles, comments, and the response that carries them.

Lists are built in a constant number of statements whatever their length:
one batch each for the tags, the authors and, signed in, the viewer's
favorites and follows, through the same batch functions of db/ the GraphQL
DataLoaders call (graph/schema/loaders.py), sent concurrently.
"""

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import Response

from db import articles, users
from db.pool import Database


def json_response(body: Any, status: int = 200) -> Response:
    # Timestamps as RealWorld writes them: ISO 8601 in UTC, with a Z.
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), status, media_type="application/json")


def user_view(row: Any, token: str) -> dict[str, Any]:
    return {
        "email": row["email"],
        "token": token,
        "username": row["username"],
        "bio": row["bio"],
        "image": row["image"],
    }


def profile_view(row: Any, following: bool) -> dict[str, Any]:
    return {"username": row["username"], "bio": row["bio"], "image": row["image"], "following": following}


def article_view(row: Any, tags: list[str], author: dict[str, Any], favorited: bool) -> dict[str, Any]:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "body": row["body"],
        "tagList": tags,
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "favorited": favorited,
        "favoritesCount": row["favorites_count"],
        "author": author,
    }


async def _nothing() -> set[int]:
    return set()


async def authors(db: Database, viewer_id: int | None, author_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Profiles by user id, `following` as the viewer sees it: two statements at most (one anonymous)."""
    ids = list(dict.fromkeys(author_ids))
    if not ids:
        return {}
    rows, followed = await asyncio.gather(
        users.users_by_ids(db, ids),
        users.followed_by(db, viewer_id, ids) if viewer_id is not None else _nothing(),
    )
    return {row["id"]: profile_view(row, row["id"] in followed) for row in rows}


async def article_views(db: Database, viewer_id: int | None, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The articles in the given order, each with its tags, author and the viewer's flags."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    tags, profiles, favorited = await asyncio.gather(
        articles.tags_of_articles(db, ids),
        authors(db, viewer_id, [row["author_id"] for row in rows]),
        articles.favorited_among(db, viewer_id, ids) if viewer_id is not None else _nothing(),
    )
    # An author deleted since the page was read took their articles along: leave those out.
    return [
        article_view(row, tags.get(row["id"], []), profiles[row["author_id"]], row["id"] in favorited)
        for row in rows
        if row["author_id"] in profiles
    ]


def comment_view(row: Any, author: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "body": row["body"],
        "author": author,
    }
