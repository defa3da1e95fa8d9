"""The RealWorld JSON shapes as pydantic models: request bodies are parsed with them, /docs shows all of them.

Responses are written by graph/rest/views.py as plain dicts (serialized once,
by orjson) and declared here only for the OpenAPI document; tests check the
answers against that document (tests/probes/test_rest_fuzz_server.py). Text limits
are graph/lengths.py's, applied by its `Checks` after trimming, as the
GraphQL mutations apply them; the bounds here are ceilings that keep an
absurd value from reaching argon2 or SQL (graph/limits/bounds.py's rule).
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from graph.limits import lengths
from graph.limits.bounds import USERNAME_MAX


def _ceiling(limit: int) -> int:
    """As graph/limits/bounds.py bounds a checked field: twice the limit, at least 256."""
    return max(2 * limit, 256)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NewUser(_Body):
    username: str = Field(max_length=_ceiling(USERNAME_MAX))
    email: str = Field(max_length=_ceiling(lengths.EMAIL_MAX))
    password: str = Field(max_length=lengths.PASSWORD_MAX, json_schema_extra={"format": "password"})


class NewUserRequest(_Body):
    user: NewUser


class LoginUser(_Body):
    email: str = Field(max_length=lengths.EMAIL_MAX)
    password: str = Field(max_length=lengths.PASSWORD_MAX, json_schema_extra={"format": "password"})


class LoginUserRequest(_Body):
    user: LoginUser


class UpdateUser(_Body):
    """Only the fields given change; `bio` or `image` null (or "") clears it."""

    email: str | None = Field(None, max_length=_ceiling(lengths.EMAIL_MAX))
    username: str | None = Field(None, max_length=_ceiling(USERNAME_MAX))
    password: str | None = Field(None, max_length=lengths.PASSWORD_MAX, json_schema_extra={"format": "password"})
    bio: str | None = Field(None, max_length=_ceiling(lengths.BIO_MAX))
    image: str | None = Field(None, max_length=_ceiling(lengths.IMAGE_MAX))


class UpdateUserRequest(_Body):
    user: UpdateUser


class NewArticle(_Body):
    title: str = Field(max_length=_ceiling(lengths.TITLE_MAX))
    description: str = Field(max_length=_ceiling(lengths.DESCRIPTION_MAX))
    body: str = Field(max_length=_ceiling(lengths.BODY_MAX))
    tagList: list[str] = Field(default_factory=list, max_length=_ceiling(lengths.TAGS_MAX))  # noqa: N815


class NewArticleRequest(_Body):
    article: NewArticle


class UpdateArticle(_Body):
    """Only the fields given change; the slug stays (links to the article keep working)."""

    title: str | None = Field(None, max_length=_ceiling(lengths.TITLE_MAX))
    description: str | None = Field(None, max_length=_ceiling(lengths.DESCRIPTION_MAX))
    body: str | None = Field(None, max_length=_ceiling(lengths.BODY_MAX))
    tagList: list[str] | None = Field(None, max_length=_ceiling(lengths.TAGS_MAX))  # noqa: N815


class UpdateArticleRequest(_Body):
    article: UpdateArticle


class NewComment(_Body):
    body: str = Field(max_length=_ceiling(lengths.COMMENT_MAX))


class NewCommentRequest(_Body):
    comment: NewComment


# Responses (documentation only).


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile


class Article(BaseModel):
    slug: str
    title: str
    description: str
    body: str
    tagList: list[str]  # noqa: N815
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815
    favorited: bool
    favoritesCount: int  # noqa: N815
    author: Profile


class SingleArticleResponse(BaseModel):
    article: Article


class MultipleArticlesResponse(BaseModel):
    articles: list[Article]
    articlesCount: int  # noqa: N815


class Comment(BaseModel):
    id: int
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815
    body: str
    author: Profile


class SingleCommentResponse(BaseModel):
    comment: Comment


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorBody(BaseModel):
    """Each field's messages; `body` for what belongs to no one field."""

    errors: dict[str, list[str]]
