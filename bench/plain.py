"""The ceiling: plain Starlette + asyncpg + orjson, one route per benchmark shape.

Each route sends the same SQL statements as our service does for that shape
(it calls the same functions of `db/`, in the same order, through the same
pool settings) and answers with the same JSON, but without GraphQL: no
parsing, validation, resolver tree or DataLoaders. Whatever our service spends
beyond this endpoint is the price of its GraphQL layer.

Run: `uvicorn bench.plain:create_app --factory` with DATABASE_URL and JWT_SECRET.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db import articles, users
from db.comments import comments_pages
from db.keyset import Window
from db.pool import Database, create_database
from graph.ids import decode_id, encode_id
from graph.tokens import Tokens, bearer_token
from graph.validation import slugify


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def _unauthenticated() -> Response:
    return _json(
        {"data": None, "errors": [{"message": "Sign in to do this.", "extensions": {"code": "UNAUTHENTICATED"}}]}
    )


async def _viewer_id(request: Request) -> int | None:
    """The same check as graph/auth.py: a valid token whose version matches the user's row."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    claims = request.app.state.tokens.decode(token)
    row = await users.user_with_token_version(request.app.state.db, claims.user_id)
    if row is None or row["token_version"] != claims.version:
        return None
    return claims.user_id


async def _users_by_id(db: Database, ids: set[int], known: dict[int, Any]) -> dict[int, Any]:
    """Rows for `ids`, fetching only those not known yet (what the per-request user loader does)."""
    missing = sorted(ids - known.keys())
    if missing:
        known.update({row["id"]: row for row in await users.users_by_ids(db, missing)})
    return known


async def q1(request: Request) -> Response:
    db = request.app.state.db
    variables = orjson.loads(await request.body())
    user = await users.user_by_username(db, variables["username"])
    if user is None:
        return _json({"data": {"user": None}})
    pages = await articles.authored_pages(db, [user["id"]], Window(limit=10))
    edges = [{"node": {"title": row["title"]}} for row in pages[user["id"]].rows]
    return _json({"data": {"user": {"username": user["username"], "articles": {"edges": edges}}}})


async def q2(request: Request) -> Response:
    db = request.app.state.db
    page = await articles.articles_page(db, Window(limit=50), articles.ArticleOrder.NEWEST, articles.ArticleFilter())
    ids = [row["id"] for row in page.rows]
    known: dict[int, Any] = {}
    _, comments = await asyncio.gather(
        _users_by_id(db, {row["author_id"] for row in page.rows}, known), comments_pages(db, ids, Window(limit=5))
    )
    await _users_by_id(db, {row["author_id"] for page in comments.values() for row in page.rows}, known)
    edges = [
        {
            "node": {
                "id": encode_id("Article", row["id"]),
                "title": row["title"],
                "author": {"username": known[row["author_id"]]["username"]},
                "comments": {
                    "edges": [
                        {
                            "node": {
                                "id": encode_id("Comment", comment["id"]),
                                "body": comment["body"],
                                "author": {"username": known[comment["author_id"]]["username"]},
                            }
                        }
                        for comment in comments[row["id"]].rows
                    ]
                },
            }
        }
        for row in page.rows
    ]
    return _json({"data": {"articles": {"edges": edges}}})


async def q3(request: Request) -> Response:
    page = await users.users_page(request.app.state.db, Window(limit=100))
    edges = [{"node": {"id": encode_id("User", row["id"]), "username": row["username"]}} for row in page.rows]
    return _json({"data": {"users": {"edges": edges}}})


async def q4(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return _json({"data": {"viewer": None}})
    page = await articles.feed_page(db, viewer_id, Window(limit=20))
    ids = [row["id"] for row in page.rows]
    authors, tags, favorited = await asyncio.gather(
        _users_by_id(db, {row["author_id"] for row in page.rows}, {}),
        articles.tags_of_articles(db, ids),
        articles.favorited_among(db, viewer_id, ids),
    )
    edges = [
        {
            "node": {
                "id": encode_id("Article", row["id"]),
                "title": row["title"],
                "author": {"username": authors[row["author_id"]]["username"]},
                "tags": tags.get(row["id"], []),
                "favoritesCount": row["favorites_count"],
                "viewerHasFavorited": row["id"] in favorited,
            }
        }
        for row in page.rows
    ]
    return _json({"data": {"viewer": {"feed": {"edges": edges}}}})


async def m1(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return _unauthenticated()
    given = orjson.loads(await request.body())["input"]
    title, description, body = given["title"].strip(), given["description"].strip(), given["body"].strip()
    tag_names = list(dict.fromkeys(tag.strip().lower() for tag in given.get("tags", [])))
    created = await articles.create_article(db, viewer_id, slugify(title), title, description, body, tag_names)
    if created is None:
        return _json({"data": None, "errors": [{"message": "The slug is taken."}]})
    row = created.row
    article = {
        "id": encode_id("Article", row["id"]),
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "tags": created.tags,
        "author": {"username": created.author["username"]},
    }
    return _json({"data": {"createArticle": {"article": article, "errors": []}}})


async def m2(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return _unauthenticated()
    variables = orjson.loads(await request.body())
    _, article_id = decode_id(variables["id"], expected="Article")
    write = articles.favorite if variables["favorite"] else articles.unfavorite
    row = await write(db, viewer_id, article_id)
    article = {
        "id": encode_id("Article", row["id"]),
        "favoritesCount": row["favorites_count"],
        "viewerHasFavorited": variables["favorite"],
    }
    field = "favoriteArticle" if variables["favorite"] else "unfavoriteArticle"
    return _json({"data": {field: {"article": article, "errors": []}}})


def create_app() -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.tokens = Tokens(os.environ["JWT_SECRET"].encode(), 3600)
        app.state.db = await create_database(
            os.environ["DATABASE_URL"],
            min_size=2,
            max_size=int(os.environ.get("POOL_MAX_SIZE", "10")),
            acquire_timeout=5.0,
            command_timeout=10.0,
            statement_cache_size=1024,
        )
        try:
            yield
        finally:
            await app.state.db.close()

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    routes = [Route(f"/{name}", endpoint, methods=["POST"]) for name, endpoint in ROUTES.items()]
    return Starlette(routes=[*routes, Route("/healthz", healthz)], lifespan=lifespan)


ROUTES = {"q1": q1, "q2": q2, "q3": q3, "q4": q4, "m1": m1, "m2": m2}
