"""Adding the REST API to the app: its routers, its document, and RealWorld bodies for routing errors.

A path under /api that matches no route (404) or a method a route does not
take (405) is answered by Starlette's router before any route runs; under
/api it gets the RealWorld error body too, elsewhere the app's usual answer.
"""

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from graph.rest import router
from graph.rest.errors import RestError, error_response
from graph.rest.openapi import document, document_router
from graph.rest.paths import is_rest_path


async def _routing_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # registered for HTTPException only
    if not is_rest_path(request.url.path):
        return await http_exception_handler(request, error)
    message = "No such resource." if error.status_code == 404 else str(error.detail)
    return error_response(RestError(error.status_code, {"body": [message]}, error.headers))


def mount_rest(app: FastAPI) -> None:
    app.include_router(router())
    app.include_router(document_router())
    app.add_exception_handler(HTTPException, _routing_error)
    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to replace it; what FastAPI's own machinery (and /docs) reads is the committed document
