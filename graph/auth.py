"""Who the request is from: the bearer token checked against the database."""

from typing import Any

from db import users
from db.pool import Database
from graph.context import ViewerIdentity
from graph.errors import Unauthenticated
from graph.tokens import Tokens, bearer_token


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
