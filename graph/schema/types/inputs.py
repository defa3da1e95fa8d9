"""Mutation inputs, exactly as the contract names them."""

import strawberry


@strawberry.input
class RegisterInput:
    username: str
    email: str
    password: str


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input(description="Omitted or null fields stay as they are; an empty bio or image clears it.")
class UpdateViewerInput:
    username: str | None = None
    email: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


@strawberry.input
class FollowUserInput:
    user_id: strawberry.ID


@strawberry.input
class CreateArticleInput:
    title: str
    description: str
    body: str
    tags: list[str] | None = strawberry.field(default_factory=list)


@strawberry.input(description="Omitted or null fields stay as they are; the slug never changes.")
class UpdateArticleInput:
    id: strawberry.ID
    title: str | None = None
    description: str | None = None
    body: str | None = None
    tags: list[str] | None = None


@strawberry.input
class DeleteArticleInput:
    id: strawberry.ID


@strawberry.input
class FavoriteArticleInput:
    article_id: strawberry.ID


@strawberry.input
class AddCommentInput:
    article_id: strawberry.ID
    body: str


@strawberry.input
class DeleteCommentInput:
    id: strawberry.ID
