"""Mutation payloads and the UserError they carry for expected failures."""

from enum import Enum

import strawberry

from graph.schema.types.article import Article
from graph.schema.types.comment import Comment
from graph.schema.types.user import User
from graph.schema.types.viewer import Viewer


@strawberry.enum
class UserErrorCode(Enum):
    INVALID = strawberry.enum_value("INVALID", description="A value is missing, too long, too short or badly formed.")
    TAKEN = strawberry.enum_value(
        "TAKEN", description="A unique value (username, email) already belongs to someone else."
    )
    BAD_CREDENTIALS = strawberry.enum_value("BAD_CREDENTIALS", description="Email and password do not match a user.")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="The node the input names does not exist.")


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"]; null when no single field is.'
    )
    message: str
    code: UserErrorCode


def user_error(field: str | None, message: str, code: UserErrorCode = UserErrorCode.INVALID) -> UserError:
    return UserError(field=["input", field] if field else None, message=message, code=code)


@strawberry.type
class AuthPayload:
    token: str | None = strawberry.field(description="A bearer token; null when errors is not empty.")
    viewer: Viewer | None
    errors: list[UserError]


@strawberry.type
class UpdateViewerPayload:
    viewer: Viewer | None
    errors: list[UserError]
    token: str | None = strawberry.field(
        default=None,
        description="A new bearer token when the password changed (every older token is revoked); null otherwise.",
    )


@strawberry.type
class FollowUserPayload:
    user: User | None
    errors: list[UserError]


@strawberry.type
class CreateArticlePayload:
    article: Article | None
    errors: list[UserError]


@strawberry.type
class UpdateArticlePayload:
    article: Article | None
    errors: list[UserError]


@strawberry.type
class DeleteArticlePayload:
    deleted_article_id: strawberry.ID | None
    errors: list[UserError]


@strawberry.type
class FavoriteArticlePayload:
    article: Article | None
    errors: list[UserError]


@strawberry.type
class AddCommentPayload:
    comment: Comment | None
    errors: list[UserError]


@strawberry.type
class DeleteCommentPayload:
    deleted_comment_id: strawberry.ID | None
    errors: list[UserError]
