"""GET and POST /api/articles/{slug}/comments, DELETE /api/articles/{slug}/comments/{id}.

Adding a comment notifies GraphQL subscribers (db/events.py) in the
transaction that writes it, as `addComment` does; deleting one follows
graph/auth/policy.py's rule (the comment's author or the article's).
"""

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from db import comments, events
from db.errors import MissingReference
from db.keyset import MAX_INT, Window
from graph.auth.policy import ensure_can_delete_comment
from graph.limits.lengths import COMMENT_MAX
from graph.relay.pagination import MAX_PAGE_SIZE
from graph.rest.articles import NOT_FOUND, Slug, article_by_slug
from graph.rest.dependencies import ContextDep, ViewerDep
from graph.rest.errors import RestError, invalid
from graph.rest.models import MultipleCommentsResponse, NewCommentRequest, SingleCommentResponse
from graph.rest.observe import RestRoute
from graph.rest.responses import errors
from graph.rest.views import authors, comment_view, json_response
from graph.schema.input_checks import Checks

router = APIRouter(route_class=RestRoute, tags=["Comments"])

# The newest this many, oldest first: RealWorld has no pages for comments, and no answer is unbounded.
LATEST = Window(limit=MAX_PAGE_SIZE, backward=True)
COMMENT_NOT_FOUND = RestError(404, {"comment": ["No comment with that id on this article."]})
CommentId = Annotated[int, Path(ge=1, le=MAX_INT, description="The comment's id.")]


@router.get(
    "/articles/{slug}/comments",
    operation_id="GetArticleComments",
    response_model=MultipleCommentsResponse,
    responses=errors(404),
)
async def article_comments(slug: Slug, context: ContextDep) -> Response:
    """The article's latest 100 comments, oldest first."""
    article = await article_by_slug(context, slug)
    page = (await comments.comments_pages(context.db, [article["id"]], LATEST))[article["id"]]
    profiles = await authors(context.db, context.viewer_id, [row["author_id"] for row in page.rows])
    views = [comment_view(row, profiles[row["author_id"]]) for row in page.rows if row["author_id"] in profiles]
    return json_response({"comments": views})


@router.post(
    "/articles/{slug}/comments",
    operation_id="CreateArticleComment",
    response_model=SingleCommentResponse,
    responses=errors(404),
)
async def add_comment(slug: Slug, body: NewCommentRequest, viewer_id: ViewerDep, context: ContextDep) -> Response:
    checks = Checks()
    text = checks.text("body", body.comment.body, maximum=COMMENT_MAX)
    if checks.errors:
        raise invalid(checks.errors)
    article = await article_by_slug(context, slug)
    try:
        async with context.db.transaction() as tx:
            row = await comments.insert_comment(tx, article["id"], viewer_id, text)
            await events.notify_comment_added(tx, row["id"], article["id"])
    except MissingReference:  # the article (or the viewer) went in the meantime
        raise NOT_FOUND from None
    viewer = await context.loaders.user.load(viewer_id)  # primed by the token's check: no statement
    if viewer is None:
        raise NOT_FOUND
    author = {"username": viewer["username"], "bio": viewer["bio"], "image": viewer["image"], "following": False}
    return json_response({"comment": comment_view(row, author)})


@router.delete("/articles/{slug}/comments/{id}", operation_id="DeleteArticleComment", responses=errors(403, 404))
async def delete_comment(slug: Slug, id: CommentId, viewer_id: ViewerDep, context: ContextDep) -> Response:  # noqa: A002
    """The comment's author or the article's author may."""
    article = await article_by_slug(context, slug)
    async with context.db.transaction() as tx:
        current = await comments.comment_for_delete(tx, id)
        if current is None or current["article_id"] != article["id"]:
            raise COMMENT_NOT_FOUND
        ensure_can_delete_comment(viewer_id, current)
        await comments.delete_comment(tx, id)
    return Response(status_code=200)
