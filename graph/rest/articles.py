"""/api/articles: the list, the feed, one article, its writes and favorites.

Writes go through the GraphQL mutations' own steps: graph/schema/input_checks.py's
checks, graph/auth/policy.py's author rule, db/articles.py's statements (creating
an article notifies GraphQL subscribers in the same statement), in the same
transactions. The list and the feed are pages by LIMIT and OFFSET, newest
first, read in a constant number of statements (graph/rest/views.py).
"""

import asyncio
from collections.abc import Awaitable
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from db import articles
from db.articles import ArticleFilter
from db.errors import MissingReference
from graph.auth.policy import ensure_can_edit_article
from graph.limits.bounds import SLUG_MAX, TAG_MAX, USERNAME_MAX
from graph.limits.lengths import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX
from graph.relay.pagination import MAX_PAGE_SIZE
from graph.rest.dependencies import ContextDep, ViewerDep
from graph.rest.errors import RestError, invalid
from graph.rest.models import MultipleArticlesResponse, NewArticleRequest, SingleArticleResponse, UpdateArticleRequest
from graph.rest.observe import RestRoute
from graph.rest.responses import errors
from graph.rest.views import article_view, article_views, authors, json_response
from graph.schema.context import Context
from graph.schema.input_checks import Checks
from graph.schema.resolvers.articles import create_with_unique_slug

router = APIRouter(route_class=RestRoute, tags=["Articles"])

# OFFSET reads and discards every row it skips: past this, a client should narrow the list with a filter.
MAX_OFFSET = 10_000

Limit = Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE, description="How many articles (default 20).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many to skip (default 0).")]
Slug = Annotated[str, Path(description="The article's slug.")]

NOT_FOUND = RestError(404, {"article": ["No article has that slug."]})


async def article_by_slug(context: Context, slug: str) -> asyncpg.Record:
    """The article, or 404; a slug longer than any slug can be costs no statement."""
    row = await articles.article_by_slug(context.db, slug) if len(slug) <= SLUG_MAX else None
    if row is None:
        raise NOT_FOUND
    return row


async def _page(context: Context, rows_read: Awaitable[list[asyncpg.Record]], count_read: Awaitable[int]) -> Response:
    rows, count = await asyncio.gather(rows_read, count_read)
    views = await article_views(context.db, context.viewer_id, rows)
    return json_response({"articles": views, "articlesCount": count})


@router.get("/articles", operation_id="GetArticles", response_model=MultipleArticlesResponse, responses=errors())
async def list_articles(
    context: ContextDep,
    tag: Annotated[str | None, Query(max_length=TAG_MAX, description="Only articles with this tag.")] = None,
    author: Annotated[str | None, Query(max_length=USERNAME_MAX, description="Only this user's articles.")] = None,
    favorited: Annotated[
        str | None, Query(max_length=USERNAME_MAX, description="Only articles this user favorited.")
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    """Newest first; `articlesCount` counts every article the filters match."""
    where = ArticleFilter(tag=tag, author_username=author, favorited_by_username=favorited)
    db = context.db
    return await _page(
        context, articles.articles_at_offset(db, where, limit, offset), articles.articles_count(db, where)
    )


@router.get(
    "/articles/feed", operation_id="GetArticlesFeed", response_model=MultipleArticlesResponse, responses=errors()
)
async def feed(viewer_id: ViewerDep, context: ContextDep, limit: Limit = 20, offset: Offset = 0) -> Response:
    """Articles by the users the viewer follows, newest first."""
    db = context.db
    return await _page(
        context, articles.feed_at_offset(db, viewer_id, limit, offset), articles.feed_count(db, viewer_id)
    )


@router.get("/articles/{slug}", operation_id="GetArticle", response_model=SingleArticleResponse, responses=errors(404))
async def article(slug: Slug, context: ContextDep) -> Response:
    return await _single(context, await article_by_slug(context, slug))


@router.post(
    "/articles",
    operation_id="CreateArticle",
    status_code=201,
    response_model=SingleArticleResponse,
    responses=errors(),
)
async def create_article(body: NewArticleRequest, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """The slug comes from the title (a short suffix when it is taken)."""
    given = body.article
    checks = Checks()
    title = checks.text("title", given.title, maximum=TITLE_MAX)
    description = checks.text("description", given.description, maximum=DESCRIPTION_MAX)
    text = checks.text("body", given.body, maximum=BODY_MAX)
    tags = checks.tags(given.tagList)
    if checks.errors:
        raise invalid(checks.errors)
    created = await create_with_unique_slug(context, viewer_id, title, description, text, tags)
    # The statement returned all the answer shows; nobody follows themselves or has favorited it yet.
    author = {**created.author, "following": False}
    author = {key: author[key] for key in ("username", "bio", "image", "following")}
    return json_response({"article": article_view(created.row, created.tags, author, False)}, 201)


@router.put(
    "/articles/{slug}", operation_id="UpdateArticle", response_model=SingleArticleResponse, responses=errors(403, 404)
)
async def update_article(slug: Slug, body: UpdateArticleRequest, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Only the author may; the slug stays as it was."""
    given = body.article
    checks = Checks()
    title = checks.text("title", given.title, maximum=TITLE_MAX) if given.title is not None else None
    description = (
        checks.text("description", given.description, maximum=DESCRIPTION_MAX)
        if given.description is not None
        else None
    )
    text = checks.text("body", given.body, maximum=BODY_MAX) if given.body is not None else None
    tags = checks.tags(given.tagList) if given.tagList is not None else None
    found = await article_by_slug(context, slug)
    async with context.db.transaction() as tx:
        current = await articles.article_for_update(tx, found["id"])
        if current is None:
            raise NOT_FOUND
        ensure_can_edit_article(viewer_id, current)  # before the checks' answer: others learn nothing from it
        if checks.errors:
            raise invalid(checks.errors)
        row = await articles.update_article(tx, current["id"], title=title, description=description, body=text)
        if tags is not None:
            await articles.set_tags(tx, current["id"], tags)
    return await _single(context, row)


@router.delete("/articles/{slug}", operation_id="DeleteArticle", responses=errors(403, 404))
async def delete_article(slug: Slug, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Only the author may; its comments, tags links and favorites go with it."""
    found = await article_by_slug(context, slug)
    async with context.db.transaction() as tx:
        current = await articles.article_for_update(tx, found["id"])
        if current is None:
            raise NOT_FOUND
        ensure_can_edit_article(viewer_id, current)
        await articles.delete_article(tx, current["id"])
    return Response(status_code=200)


@router.post(
    "/articles/{slug}/favorite",
    operation_id="CreateArticleFavorite",
    response_model=SingleArticleResponse,
    responses=errors(404),
)
async def favorite(slug: Slug, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Favorite (idempotent)."""
    return await _set_favorite(context, viewer_id, slug, favorite=True)


@router.delete(
    "/articles/{slug}/favorite",
    operation_id="DeleteArticleFavorite",
    response_model=SingleArticleResponse,
    responses=errors(404),
)
async def unfavorite(slug: Slug, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Unfavorite (idempotent)."""
    return await _set_favorite(context, viewer_id, slug, favorite=False)


async def _set_favorite(context: Context, viewer_id: int, slug: str, *, favorite: bool) -> Response:
    found = await article_by_slug(context, slug)
    # One statement, atomic on its own (db/articles.py's FAVORITE): the write and the article afterwards.
    write = articles.favorite if favorite else articles.unfavorite
    try:
        row = await write(context.db, viewer_id, found["id"])
    except MissingReference:  # the viewer's row is gone
        row = None
    if row is None:
        raise NOT_FOUND
    tags, profiles = await asyncio.gather(
        articles.tags_of_articles(context.db, [row["id"]]), authors(context.db, viewer_id, [row["author_id"]])
    )
    if row["author_id"] not in profiles:
        raise NOT_FOUND
    return json_response({"article": article_view(row, tags.get(row["id"], []), profiles[row["author_id"]], favorite)})


async def _single(context: Context, row: asyncpg.Record) -> Response:
    views = await article_views(context.db, context.viewer_id, [row])
    if not views:  # its author was deleted since the row was read
        raise NOT_FOUND
    return json_response({"article": views[0]})
