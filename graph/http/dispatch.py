"""GET and POST /graphql go straight to their handlers, past FastAPI's per-request machinery.

Profiled under load (docs/benchmark.md, "Profiles"), FastAPI's way to a handler (its
middleware stack, route matching, dependency solving, two exit stacks, its
OpenTelemetry checks) was ~10% of the CPU of a small planned query. The two
GraphQL handlers need none of it: they take the Request and return a
Response, raise no HTTPException and use no dependencies. So `App` hands
them the request directly, behind the two middlewares that shape their
responses on FastAPI's way too, in the same order: Starlette's
ServerErrorMiddleware (a plain 500 for an unexpected exception, which then
reaches uvicorn's log) and the CORS middleware (its `Vary: Origin` and
grants). Everything else takes FastAPI's way, where the same handlers are
routed as well: other paths and methods, WebSockets, a mounted root path,
and every request while FastAPI's own OpenTelemetry instrumentation is on
(a global provider is configured), so its spans still cover /graphql.

Before either way, every HTTP request and WebSocket handshake passes the
edge (graph/http/edge.py): size limits and security headers.
"""

import time

from fastapi import FastAPI
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.http.edge import Edge
from graph.http.endpoint import graphql_get, graphql_post

PATH = "/graphql"
METHODS = frozenset({"GET", "POST"})
TELEMETRY_RECHECK_SECONDS = 1.0


async def graphql_http(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive, send)
    response = await (graphql_post if scope["method"] == "POST" else graphql_get)(request)
    await response(scope, receive, send)


class App(FastAPI):
    edge: Edge | None = None  # set by graph/app.py
    _graphql_http: ASGIApp | None = None
    _telemetry_on = False
    _telemetry_checked_until = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.edge is not None and scope["type"] != "lifespan":
            await self.edge(scope, receive, send, self._route)
        else:
            await self._route(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] in METHODS
            and not scope.get("root_path")
            and not self.root_path
            and not self._telemetry_enabled()
        ):
            if self._graphql_http is None:
                self._graphql_http = self._build_graphql_http()
            scope["app"] = self
            await self._graphql_http(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _telemetry_enabled(self) -> bool:
        """FastAPI's own check, as its __call__ makes it, at most once a second while it is off.

        It reads three global OpenTelemetry providers (and, while they are
        unset, the environment), ~5% of a small query's CPU if made per
        request. A provider, once set, cannot be unset, so "on" is final; a
        provider set while serving takes effect within a second. The
        attribute is private: tests/http/test_dispatch.py fails at once if an
        upgrade renames it.
        """
        if self._telemetry_on:
            return True
        now = time.monotonic()
        if now >= self._telemetry_checked_until:
            self._telemetry_on = self._native_telemetry.enabled()
            self._telemetry_checked_until = now + TELEMETRY_RECHECK_SECONDS
        return self._telemetry_on

    def _build_graphql_http(self) -> ASGIApp:
        """The same middlewares FastAPI would run for these routes, built (like its stack) on first use."""
        app: ASGIApp = graphql_http
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        handler = self.exception_handlers.get(500) or self.exception_handlers.get(Exception)
        return ServerErrorMiddleware(app, handler=handler, debug=self.debug)
