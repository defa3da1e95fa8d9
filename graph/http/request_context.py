"""Building a request's Context from the lifespan state: one path for HTTP and WebSocket."""

from starlette.requests import HTTPConnection

from db.pool import Database
from graph.auth.viewer import identify
from graph.errors import Unauthenticated
from graph.http.client_address import client_address
from graph.http.headers import Headers
from graph.http.state import app_state
from graph.schema.context import Context


async def context_for(
    connection: HTTPConnection, headers: Headers | None = None, db: Database | None = None
) -> Context:
    """Pool, viewer and request id (loaders come fresh on first use); a bad token becomes the context's auth error.

    `headers`: the request's, when the caller has read them already (graph/http/headers.py).
    `db`: the pool this operation runs on (graph/http/replica_routing.py); unset, the primary's.
    """
    state = app_state(connection)
    if headers is None:
        headers = connection.headers
    settings = state["settings"]
    if db is None:
        db = state["db"]
    authorization = headers.get("authorization")
    viewer, row, auth_error = None, None, None
    if authorization is not None:
        try:
            viewer, row = await identify(db, state["tokens"], authorization)
        except Unauthenticated as error:
            auth_error = error
    context = Context(
        db=db,
        settings=settings,
        passwords=state["passwords"],
        tokens=state["tokens"],
        viewer=viewer,
        auth_error=auth_error,
        request_id=headers.get("x-request-id"),
        client_address=client_address(connection, settings.trusted_proxies, headers),
        events=state["events"],
        limits=state["limits"],
    )
    if row is not None:
        context.prime_viewer(row)
    return context
