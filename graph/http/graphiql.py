"""The GraphiQL page and its assets, all served from this process.

GraphiQL, React and ReactDOM are vendored under graph/static/graphiql/ (see
scripts/vendor-graphiql and the licenses beside them) so the page works
offline and loads no code from a CDN. The page opens on an example query
against the demo data; the headers editor is on: set
`{"Authorization": "Bearer <token>"}` there (a token comes from `login`).
"""

import gzip
from functools import cache
from pathlib import Path

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from graph.http.security_headers import graphiql_csp
from graph.http.state import app_state

STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = {
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
}

EXAMPLE_QUERY = """# Conduit: the newest articles with their authors, tags and first comments.
# Sign in with the login mutation below (demo password: conduit-demo), then
# put {"Authorization": "Bearer <token>"} in the Headers tab to see your feed.
query LatestArticles {
  articles(first: 5) {
    totalCount
    edges {
      node {
        title
        slug
        tags
        favoritesCount
        author { username followersCount }
        comments(first: 2) { edges { node { body author { username } } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  tags(first: 5) { name articlesCount }
}

mutation Login {
  login(input: { email: "alice1@example.com", password: "conduit-demo" }) {
    token
    errors { field message code }
  }
}
"""


@cache
def graphiql_page() -> str:
    # JSON in a <script> element: escaping "<" keeps "</script>" in a comment from closing it.
    example = orjson.dumps(EXAMPLE_QUERY).decode().replace("<", "\\u003c")
    return (STATIC / "graphiql.html").read_text(encoding="utf-8").replace("__EXAMPLE_QUERY_JSON__", example)


def graphiql_headers() -> dict[str, str]:
    return {"content-security-policy": graphiql_csp(graphiql_page())}


@cache
def _asset(name: str) -> tuple[bytes, bytes]:
    """The file and its gzip encoding, read once (graphiql.min.js is 3.5 MB, 0.7 MB gzipped)."""
    content = (STATIC / "graphiql" / name).read_bytes()
    return content, gzip.compress(content, mtime=0)


def assets_router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/graphiql/{name}", include_in_schema=False)
    async def graphiql_asset(name: str, request: Request) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None or not app_state(request)["settings"].graphiql_enabled:
            return Response(status_code=404)
        content, compressed = _asset(name)
        # The files change only with a vendored version bump; a day of browser caching is safe enough.
        headers = {"cache-control": "public, max-age=86400", "vary": "accept-encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["content-encoding"] = "gzip"
            return Response(compressed, media_type=media_type, headers=headers)
        return Response(content, media_type=media_type, headers=headers)

    return routes
