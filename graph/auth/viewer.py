"""Who the request is from: the bearer token checked against the database, and what auth needs of a request."""

from dataclasses import dataclass
from typing import Any, Protocol

from db import users
from db.pool import Database
from graph.auth.tokens import Tokens, bearer_token
from graph.errors import Unauthenticated
from graph.settings import Settings


@dataclass(frozen=True, slots=True)
class ViewerIdentity:
    """Who is signed in, as the bearer token named them."""

    user_id: int


class Requester(Protocol):
    """What the policy and the login limits read of a request, whichever door it came in by.

    The GraphQL context (graph/schema/context.py) is one; auth does not depend on it.
    """

    @property
    def db(self) -> Database: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def client_address(self) -> str | None: ...
    @property
    def viewer_id(self) -> int | None: ...


async def identify(db: Database, tokens: Tokens, authorization: str | None) -> tuple[ViewerIdentity | None, Any]:
    """The viewer and their user row; (None, None) with no token; Unauthenticated for a bad one.

    A token for a deleted user, or one issued before the user's last password
    change (an older token version), is refused, never taken as anonymous.
    """
    token = bearer_token(authorization)
    if token is None:
        return None, None
    claims = tokens.decode(token)
    row = await users.user_with_token_version(db, claims.user_id)
    if row is None or row["token_version"] != claims.version:
        raise Unauthenticated("The token has been revoked; sign in again.")
    return ViewerIdentity(claims.user_id), row
