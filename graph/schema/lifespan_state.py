"""The lifespan's state as both doors read it: what graph/app.py builds once for every request.

Starlette copies the dict the lifespan yields into each connection's
`scope["state"]`, typed as Any; `lifespan_state` reads it as this shape, so
every read below it is checked. It is declared here, below the two doors
(graph/http, graph/rest), because they may not import each other; each of
its value types is importable at this layer. The GraphQL door's own part
(its persisted-query store) extends it in graph/http/state.py.
"""

from collections.abc import Awaitable, Callable
from typing import TypedDict

from opentelemetry.trace import Tracer
from starlette.requests import HTTPConnection

from db.pool import Database
from db.replicas import Replicas
from graph.auth.passwords import Passwords
from graph.auth.tokens import Tokens
from graph.limits.shape import Limits
from graph.observability.paths import PathCounts
from graph.planned import PlannedExecution
from graph.realtime.hub import EventHub
from graph.schema.context import Context
from graph.settings import Settings


class LifespanState(TypedDict):
    db: Database
    replicas: Replicas | None  # REPLICA_DATABASE_URLS: queries read there (graph/http/replica_routing.py)
    settings: Settings
    passwords: Passwords
    tokens: Tokens
    tracer: Tracer | None  # None when TRACING is off
    events: EventHub
    planned: PlannedExecution | None  # None when PLANNED_EXECUTION is off
    limits: Limits
    path_counts: PathCounts | None  # None unless PATH_COUNTS_REPORT names a file
    # How a request's Context is built, for the REST routers (graph/rest/dependencies.py): the same
    # function the GraphQL endpoints call, handed over here because the two doors never import each other.
    request_context: Callable[[HTTPConnection], Awaitable[Context]]


def lifespan_state(connection: HTTPConnection) -> LifespanState:
    """The lifespan's state for this request or WebSocket (`connection.state` wraps the same dict, untyped)."""
    state: LifespanState = connection.scope["state"]
    return state
