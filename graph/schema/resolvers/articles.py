"""createArticle, updateArticle, deleteArticle, favoriteArticle, unfavoriteArticle."""

import secrets

import strawberry

from db import articles
from db.errors import MissingReference
from graph.auth.policy import ensure_can_edit_article, require_viewer
from graph.limits.lengths import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX
from graph.relay.ids import decode_id, encode_id
from graph.schema.context import Context, Info
from graph.schema.input_checks import Checks, slugify
from graph.schema.types.article import Article
from graph.schema.types.inputs import (
    CreateArticleInput,
    DeleteArticleInput,
    FavoriteArticleInput,
    UpdateArticleInput,
)
from graph.schema.types.payloads import (
    CreateArticlePayload,
    DeleteArticlePayload,
    FavoriteArticlePayload,
    UpdateArticlePayload,
    UserError,
    UserErrorCode,
    user_error,
)

SLUG_ATTEMPTS = 5


def _not_found(field: str) -> list[UserError]:
    return [user_error(field, "No article has that ID.", UserErrorCode.NOT_FOUND)]


async def create_with_unique_slug(
    context: Context, author_id: int, title: str, description: str, body: str, tags: list[str]
) -> articles.CreatedArticle:
    """The slug is the title's; when taken, the title's plus a short random suffix (REST creates this way too).

    Each attempt is one statement on the pool, atomic on its own (db/articles.py's
    CREATE_ARTICLE): a taken slug writes nothing, so no transaction spans the attempts.
    """
    base = slugify(title)
    slug = base
    for _ in range(SLUG_ATTEMPTS):
        created = await articles.create_article(context.db, author_id, slug, title, description, body, tags)
        if created is not None:
            return created
        slug = f"{base}-{secrets.token_hex(3)}"
    raise RuntimeError(f"no free slug for {base!r} after {SLUG_ATTEMPTS} attempts")


async def create_article(info: Info, input: CreateArticleInput) -> CreateArticlePayload:
    context = info.context
    viewer_id = require_viewer(context)
    checks = Checks()
    title = checks.text("title", input.title, maximum=TITLE_MAX)
    description = checks.text("description", input.description, maximum=DESCRIPTION_MAX)
    body = checks.text("body", input.body, maximum=BODY_MAX)
    tags = checks.tags(input.tags or [])
    if checks.errors:
        return CreateArticlePayload(article=None, errors=checks.errors)
    created = await create_with_unique_slug(context, viewer_id, title, description, body, tags)
    context.reset_loaders()
    # The statement returned what the payload shows: nothing left to read.
    # Nobody can have favorited an article that did not exist a moment ago.
    context.loaders.prime_written_article(
        created.row, tags=created.tags, author=created.author, viewer_has_favorited=False
    )
    return CreateArticlePayload(article=Article.from_row(created.row), errors=[])


async def update_article(info: Info, input: UpdateArticleInput) -> UpdateArticlePayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, article_id = decode_id(input.id, expected="Article")
    checks = Checks()
    title = checks.text("title", input.title, maximum=TITLE_MAX) if input.title is not None else None
    description = (
        checks.text("description", input.description, maximum=DESCRIPTION_MAX)
        if input.description is not None
        else None
    )
    body = checks.text("body", input.body, maximum=BODY_MAX) if input.body is not None else None
    tags = checks.tags(input.tags) if input.tags is not None else None
    async with context.db.transaction() as tx:
        current = await articles.article_for_update(tx, article_id)
        if current is None:
            return UpdateArticlePayload(article=None, errors=_not_found("id"))
        ensure_can_edit_article(viewer_id, current)
        if checks.errors:
            return UpdateArticlePayload(article=None, errors=checks.errors)
        row = await articles.update_article(tx, article_id, title=title, description=description, body=body)
        if tags is not None:
            await articles.set_tags(tx, article_id, tags)
    context.reset_loaders()
    return UpdateArticlePayload(article=Article.from_row(row), errors=[])


async def delete_article(info: Info, input: DeleteArticleInput) -> DeleteArticlePayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, article_id = decode_id(input.id, expected="Article")
    async with context.db.transaction() as tx:
        current = await articles.article_for_update(tx, article_id)
        if current is None:
            return DeleteArticlePayload(deleted_article_id=None, errors=_not_found("id"))
        ensure_can_edit_article(viewer_id, current)
        await articles.delete_article(tx, article_id)
    context.reset_loaders()
    return DeleteArticlePayload(deleted_article_id=strawberry.ID(encode_id("Article", article_id)), errors=[])


async def favorite_article(info: Info, input: FavoriteArticleInput) -> FavoriteArticlePayload:
    return await _set_favorite(info.context, input.article_id, favorite=True)


async def unfavorite_article(info: Info, input: FavoriteArticleInput) -> FavoriteArticlePayload:
    return await _set_favorite(info.context, input.article_id, favorite=False)


async def _set_favorite(context: Context, global_id: str, *, favorite: bool) -> FavoriteArticlePayload:
    viewer_id = require_viewer(context)
    _, article_id = decode_id(global_id, expected="Article")
    # One statement on the pool, atomic on its own (db/articles.py's FAVORITE):
    # the write and the article as it is afterwards.
    write = articles.favorite if favorite else articles.unfavorite
    try:
        row = await write(context.db, viewer_id, article_id)
    except MissingReference:  # the viewer's row is gone
        row = None
    if row is None:
        return FavoriteArticlePayload(article=None, errors=_not_found("articleId"))
    context.reset_loaders()
    context.loaders.prime_written_article(row, viewer_has_favorited=favorite)
    return FavoriteArticlePayload(article=Article.from_row(row), errors=[])
