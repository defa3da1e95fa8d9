"""The application factory: the lifespan owns the pool; every route borrows it."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI, Request
from starlette.websockets import WebSocket
from strawberry.fastapi import GraphQLRouter

from db.pool import Database, create_database
from graph.auth import identify
from graph.context import Context
from graph.errors import Unauthenticated
from graph.migrations import ensure_at_head
from graph.schema import schema
from graph.passwords import Passwords
from graph.settings import Settings
from graph.tokens import Tokens, signing_secret

log = logging.getLogger("graph.app")


class State(TypedDict):
    db: Database
    settings: Settings
    passwords: Passwords
    tokens: Tokens


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
        dsn = settings.require_database_url()
        db = await create_database(
            dsn,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            acquire_timeout=settings.pool_acquire_timeout,
            command_timeout=settings.command_timeout,
            statement_cache_size=settings.statement_cache_size,
        )
        try:
            await ensure_at_head(db)
            yield {"db": db, "settings": settings, "passwords": Passwords(), "tokens": tokens}
        finally:
            await db.close()

    async def get_context(request: Request = None, websocket: WebSocket = None) -> Context:  # type: ignore[assignment]
        connection = request if request is not None else websocket
        state = connection.state
        viewer, row, auth_error = None, None, None
        try:
            viewer, row = await identify(state.db, state.tokens, connection.headers.get("authorization"))
        except Unauthenticated as error:
            auth_error = error
        context = Context(
            db=state.db,
            settings=state.settings,
            passwords=state.passwords,
            tokens=state.tokens,
            viewer=viewer,
            auth_error=auth_error,
        )
        if row is not None:
            context.loaders.user.prime(row["id"], row)
        return context

    app = FastAPI(title="Conduit GraphQL", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(
        GraphQLRouter(
            schema,
            path="/graphql",
            context_getter=get_context,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
        )
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> dict[str, str]:
        db: Database = request.state.db
        await ensure_at_head(db)
        return {"status": "ready"}

    return app
