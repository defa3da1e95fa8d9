"""The ceiling: plain Starlette + asyncpg + orjson, one route per benchmark shape.

Each route sends the same SQL statements as our service does for that shape,
through the same pool settings, and answers with the same JSON, but without
GraphQL: no parsing, validation, limits, resolver tree or DataLoaders. The
reads send the planned path's one statement (graph/planned/json_sql.py, its
plan built at startup) and pass PostgreSQL's JSON through; the writes call
the same functions of `db/`. Whatever our service spends beyond this
endpoint is the price of its GraphQL and HTTP layers. For the REST shapes
(RQ1..RM1) it serves the same /api paths with the same db/ calls and JSON
as graph/rest, without FastAPI: the price of FastAPI's routing, dependencies
and validation.

Run: `uvicorn bench.plain:create_app --factory` with DATABASE_URL and JWT_SECRET.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from graphql import parse
from graphql.execution.values import get_variable_values
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.shapes import Q1, Q2, Q3, Q4
from db import articles, users
from db.pool import create_database
from graph.auth.tokens import Tokens, bearer_token
from graph.planned import UNPLANNABLE, PlannedExecution, json_sql
from graph.planned.json_sql import statement_for
from graph.planned.plan import Plan
from graph.relay.ids import decode_id, encode_id
from graph.rest.views import article_view, article_views, authors, json_response
from graph.schema.build import schema
from graph.schema.input_checks import slugify


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def _unauthenticated() -> Response:
    return _json(
        {"data": None, "errors": [{"message": "Sign in to do this.", "extensions": {"code": "UNAUTHENTICATED"}}]}
    )


async def _viewer_id(request: Request) -> int | None:
    """The same check as graph/auth/viewer.py: a valid token whose version matches the user's row."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    claims = request.app.state.tokens.decode(token)
    row = await users.user_with_token_version(request.app.state.db, claims.user_id)
    if row is None or row["token_version"] != claims.version:
        return None
    return claims.user_id


def _plans() -> dict[str, Plan]:
    """Each read shape's plan, built once: the routes send its one statement, nothing else of GraphQL runs."""
    execution = PlannedExecution(schema)
    plans = {}
    for shape in (Q1, Q2, Q3, Q4):
        plan = execution._build(parse(shape.ours), None)
        assert plan is not UNPLANNABLE, shape.name
        plans[shape.name] = plan
    return plans


PLANS = _plans()


async def _statement(request: Request, shape: str, viewer_id: int | None, variables: Any = None) -> Response:
    sql, params = statement_for(PLANS[shape], viewer_id, variables)
    text = await json_sql.run(request.app.state.db, sql, params)
    return _json({"data": orjson.Fragment(text)})


async def q1(request: Request) -> Response:
    given = orjson.loads(await request.body())
    # Coerced only for the statement's one parameter (graphql-core's form of variables).
    variables = get_variable_values(schema._schema, PLANS["Q1"].operation.variable_definitions, given)
    return await _statement(request, "Q1", None, variables)


async def q2(request: Request) -> Response:
    return await _statement(request, "Q2", None)


async def q3(request: Request) -> Response:
    return await _statement(request, "Q3", None)


async def q4(request: Request) -> Response:
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return _json({"data": {"viewer": None}})
    return await _statement(request, "Q4", viewer_id)


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


# The REST shapes (bench/rest_shapes.py): the same statements as graph/rest sends, through the same db/
# functions and views (graph/rest/views.py), without FastAPI's routing, dependencies and validation.


def _limit(request: Request) -> int:
    return int(request.query_params.get("limit", "20"))


async def rest_articles(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    where = articles.ArticleFilter()
    limit = _limit(request)
    rows, count = await asyncio.gather(
        articles.articles_at_offset(db, where, limit, 0), articles.articles_count(db, where)
    )
    return json_response({"articles": await article_views(db, viewer_id, rows), "articlesCount": count})


async def rest_feed(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return json_response({"errors": {"token": ["Sign in to do this."]}}, 401)
    limit = _limit(request)
    rows, count = await asyncio.gather(
        articles.feed_at_offset(db, viewer_id, limit, 0), articles.feed_count(db, viewer_id)
    )
    return json_response({"articles": await article_views(db, viewer_id, rows), "articlesCount": count})


async def rest_favorite(request: Request) -> Response:
    db = request.app.state.db
    viewer_id = await _viewer_id(request)
    if viewer_id is None:
        return json_response({"errors": {"token": ["Sign in to do this."]}}, 401)
    found = await articles.article_by_slug(db, request.path_params["slug"])
    favorite = request.method == "POST"
    row = await (articles.favorite if favorite else articles.unfavorite)(db, viewer_id, found["id"])
    tags, profiles = await asyncio.gather(
        articles.tags_of_articles(db, [row["id"]]), authors(db, viewer_id, [row["author_id"]])
    )
    view = article_view(row, tags.get(row["id"], []), profiles[row["author_id"]], favorite)
    return json_response({"article": view})


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
    rest = [
        Route("/api/articles", rest_articles, methods=["GET"]),
        Route("/api/articles/feed", rest_feed, methods=["GET"]),
        Route("/api/articles/{slug}/favorite", rest_favorite, methods=["POST", "DELETE"]),
    ]
    return Starlette(routes=[*routes, *rest, Route("/healthz", healthz)], lifespan=lifespan)


ROUTES = {"q1": q1, "q2": q2, "q3": q3, "q4": q4, "m1": m1, "m2": m2}
