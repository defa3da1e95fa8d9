"""`GET /`: a page that leads a browser to what this server serves, and `GET /schema.graphql`.

Someone who opens the server's address in a browser lands here instead of
on a 404. The page links only to what this deployment has switched on:
GraphiQL (GRAPHIQL), the SDL (with INTROSPECTION: the SDL says what
introspection would, so it is served exactly when introspection is) and
the metrics (METRICS); the health probes are always on. It is one small
document with no script and no asset, so its Content-Security-Policy can
refuse everything but its own inline style.
"""

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from graph.http.security_headers import LANDING_CSP
from graph.http.state import app_state
from graph.schema.build import sdl
from graph.settings import Settings

# The other security headers come from the edge (graph/http/edge.py), like every response's.
PAGE_HEADERS = {"content-security-policy": LANDING_CSP, "cache-control": "no-cache"}


def links(settings: Settings) -> list[tuple[str, str]]:
    """(path, what it is) for each endpoint this deployment serves, in the page's order."""
    found = []
    if settings.graphiql_enabled:
        found.append(("/graphql", "GraphiQL, to explore the API in this browser"))
    if settings.introspection_enabled:
        found.append(("/schema.graphql", "the schema (SDL)"))
    found += [("/healthz", "liveness probe"), ("/readyz", "readiness probe (the database answers, migrated)")]
    if settings.metrics:
        found.append(("/metrics", "Prometheus metrics"))
    return found


def landing_page(settings: Settings, root_path: str = "") -> str:
    root = escape(root_path.rstrip("/"))
    items = "".join(f'<li><a href="{root}{path}">{path}</a>: {escape(text)}</li>' for path, text in links(settings))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Conduit GraphQL</title>'
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}</style>"
        "</head><body><h1>Conduit GraphQL</h1>"
        f"<p>The GraphQL endpoint is <code>{root}/graphql</code>: POST JSON, or GET with "
        "<code>?query=</code> for queries (WebSocket subscriptions on the same path).</p>"
        f"<ul>{items}</ul></body></html>"
    )


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/", include_in_schema=False)
    async def landing(request: Request) -> Response:
        page = landing_page(app_state(request)["settings"], request.scope.get("root_path", ""))
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @routes.get("/schema.graphql", include_in_schema=False)
    async def schema_sdl(request: Request) -> Response:
        if not app_state(request)["settings"].introspection_enabled:
            return Response(status_code=404)
        return PlainTextResponse(sdl())

    return routes
