"""The REST API's OpenAPI document, /api/openapi.json and the /docs page.

The document is built from the routers alone (no app, no database), so
`python -m graph export-schema` writes it to artifacts/openapi.json and
tests/cli/test_schema_artifacts.py fails when the committed file is stale, as
for schema.graphql. /docs is Swagger UI, loaded from its CDN: the page's own
Content-Security-Policy allows exactly that origin; every other response
keeps the strict default (graph/http/security_headers.py).
"""

from functools import cache
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse, Response

from graph.rest import router
from graph.rest.paths import PREFIX

OPENAPI_PATH = f"{PREFIX}/openapi.json"
TITLE = "Conduit REST"
VERSION = "1.0.0"
DESCRIPTION = (
    "The RealWorld (Conduit) API, served beside GraphQL by the same process and rules. "
    "Authenticate with `Authorization: Token <jwt>` (or `Bearer <jwt>`); the token comes from "
    "POST /api/users or POST /api/users/login, or from GraphQL's `register`/`login`."
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'none'; script-src {SWAGGER_CDN} 'unsafe-inline'; style-src {SWAGGER_CDN}; "
    f"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)


@cache
def document() -> dict[str, Any]:
    spec = get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION, routes=router().routes)
    spec["components"]["securitySchemes"] = {
        "Token": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <jwt>` (RealWorld's scheme) or `Bearer <jwt>`.",
        }
    }
    spec["security"] = [{}, {"Token": []}]  # optional everywhere; routes that need a viewer answer 401 without
    return spec


def document_router() -> APIRouter:
    routes = APIRouter()

    @routes.get(OPENAPI_PATH, include_in_schema=False)
    async def openapi_json() -> Response:
        return Response(orjson.dumps(document()), media_type="application/json")

    @routes.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{TITLE} - docs")
        page.headers["content-security-policy"] = DOCS_CSP
        return page

    return routes
