"""What a REST handler needs from the lifespan, as typed dependencies: no globals, one way in.

The lifespan (graph/app.py) yields its state; Starlette hands it to each
request, read here as graph/schema/lifespan_state.py types it. `DatabaseDep` is the pool's `Database`,
`ContextDep` the same per-request `Context` the GraphQL resolvers get (built
by graph/http/request_context.py's `context_for`, which the lifespan hands
over as `request_context`: the two doors never import each other), so the
viewer, the client's address for the login limits, the settings and the
loaders come from one place for both. `ViewerDep` is the signed-in user's
id, through graph/auth/policy.py's `require_viewer`, the rule the GraphQL
mutations apply.

Every dependency is `async def`: FastAPI runs a plain `def` one in a worker
thread, and the hand-offs cost more than the rest of a small request.

A token that does not check out is a 401 on every route, optional-auth ones
included: like GraphQL, a bad token is never quietly taken as anonymous.
"""

from typing import Annotated

from fastapi import Depends, Request

from db.pool import Database
from graph.auth.passwords import Passwords
from graph.auth.policy import require_viewer
from graph.auth.tokens import Tokens, bearer_token
from graph.errors import Unauthenticated
from graph.schema.context import Context
from graph.schema.lifespan_state import lifespan_state


async def _database(request: Request) -> Database:
    return lifespan_state(request)["db"]


async def _context(request: Request) -> Context:
    context = await lifespan_state(request)["request_context"](request)
    if context.auth_error is not None:
        raise context.auth_error
    return context


async def _viewer(context: Annotated[Context, Depends(_context)]) -> int:
    return require_viewer(context)


async def _token(request: Request) -> str:
    """The token the request was sent with; only routes that also need a viewer ask for it."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated("Sign in to do this.")
    return token


async def _passwords(request: Request) -> Passwords:
    return lifespan_state(request)["passwords"]


async def _tokens(request: Request) -> Tokens:
    return lifespan_state(request)["tokens"]


DatabaseDep = Annotated[Database, Depends(_database)]
ContextDep = Annotated[Context, Depends(_context)]
ViewerDep = Annotated[int, Depends(_viewer)]
TokenDep = Annotated[str, Depends(_token)]
PasswordsDep = Annotated[Passwords, Depends(_passwords)]
TokensDep = Annotated[Tokens, Depends(_tokens)]
