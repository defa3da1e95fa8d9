"""The lifespan's state as the GraphQL door reads it: the shared shape and the door's own persisted queries.

The keys both doors read are declared once, in graph/schema/lifespan_state.py
(the REST door may not import this package); `app_state` is the one place
this door reads the state, so every read below it is checked against
`AppState`.
"""

from starlette.requests import HTTPConnection

from graph.http.persisted import PersistedQueries
from graph.schema.lifespan_state import LifespanState


class AppState(LifespanState):
    persisted_queries: PersistedQueries


def app_state(connection: HTTPConnection) -> AppState:
    """The lifespan's state for this request or WebSocket (`connection.state` wraps the same dict, untyped)."""
    state: AppState = connection.scope["state"]
    return state
