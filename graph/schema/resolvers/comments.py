"""addComment, deleteComment."""

import strawberry

from db import comments, events
from db.errors import MissingReference
from graph.auth.policy import ensure_can_delete_comment, require_viewer
from graph.limits.lengths import COMMENT_MAX
from graph.relay.ids import decode_id, encode_id
from graph.schema.context import Info
from graph.schema.input_checks import Checks
from graph.schema.types.comment import Comment
from graph.schema.types.inputs import AddCommentInput, DeleteCommentInput
from graph.schema.types.payloads import AddCommentPayload, DeleteCommentPayload, UserErrorCode, user_error


async def add_comment(info: Info, input: AddCommentInput) -> AddCommentPayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, article_id = decode_id(input.article_id, expected="Article")
    checks = Checks()
    body = checks.text("body", input.body, maximum=COMMENT_MAX)
    if checks.errors:
        return AddCommentPayload(comment=None, errors=checks.errors)
    try:
        async with context.db.transaction() as tx:
            row = await comments.insert_comment(tx, article_id, viewer_id, body)
            await events.notify_comment_added(tx, row["id"], article_id)
    except MissingReference:
        return AddCommentPayload(
            comment=None, errors=[user_error("articleId", "No article has that ID.", UserErrorCode.NOT_FOUND)]
        )
    context.reset_loaders()
    return AddCommentPayload(comment=Comment.from_row(row), errors=[])


async def delete_comment(info: Info, input: DeleteCommentInput) -> DeleteCommentPayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, comment_id = decode_id(input.id, expected="Comment")
    async with context.db.transaction() as tx:
        current = await comments.comment_for_delete(tx, comment_id)
        if current is None:
            return DeleteCommentPayload(
                deleted_comment_id=None, errors=[user_error("id", "No comment has that ID.", UserErrorCode.NOT_FOUND)]
            )
        ensure_can_delete_comment(viewer_id, current)
        await comments.delete_comment(tx, comment_id)
    context.reset_loaders()
    return DeleteCommentPayload(deleted_comment_id=strawberry.ID(encode_id("Comment", comment_id)), errors=[])
