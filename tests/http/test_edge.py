"""The ASGI edge in process: body and header limits, security headers, Vary on cacheable GETs."""

import base64
import hashlib
import re

import pytest

from graph.http.graphiql import graphiql_page
from tests import factories
from tests.apps import client_with

QUERY = "{ __typename }"
STATIC = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


def security_headers(response) -> dict[str, str]:
    return {name: response.headers.get(name) for name in STATIC}


def padded_body(size: int) -> bytes:
    """A valid operation of exactly `size` bytes: only its size can refuse it."""
    head = b'{"query":"{ __typename }","variables":{"pad":"'
    tail = b'"}}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/graphql", {"json": {"query": QUERY}}),
        ("GET", "/graphql", {"params": {"query": QUERY}}),
        ("POST", "/graphql", {"content": b"not json", "headers": {"content-type": "application/json"}}),
        ("GET", "/healthz", {}),
        ("GET", "/schema.graphql", {}),
        ("GET", "/nowhere", {}),
        ("PUT", "/graphql", {}),
    ],
)
async def test_every_response_carries_the_security_headers_once(http, method, path, kwargs):
    response = await http.request(method, path, **kwargs)
    assert security_headers(response) == STATIC
    assert response.headers.get_list("content-security-policy") == [DEFAULT_CSP]
    assert len(response.headers.get_list("x-content-type-options")) == 1
    assert "strict-transport-security" not in response.headers  # development, and http


async def test_pages_keep_their_own_policy_and_get_the_rest(http):
    landing = await http.get("/")
    assert landing.headers.get_list("content-security-policy") == [
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ]
    assert security_headers(landing) == STATIC

    graphiql = await http.get("/graphql", headers={"accept": "text/html"})
    assert "Conduit GraphiQL" in graphiql.text
    [policy] = graphiql.headers.get_list("content-security-policy")
    assert security_headers(graphiql) == STATIC
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in policy
    # The page's one inline script is allowed by its hash, and only it.
    [inline] = re.findall(r"<script>(.*?)</script>", graphiql_page(), re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert directives["script-src"] == f"'self' 'sha256-{digest}'"


async def test_hsts_only_in_production_and_only_over_https(settings):
    production = {"environment": "production", "trusted_proxies": "127.0.0.1"}
    async with client_with(settings, **production) as client:
        plain = await client.get("/healthz")
        proxied = await client.get("/healthz", headers={"x-forwarded-proto": "https"})
    async with client_with(settings, environment="production") as client:
        untrusted = await client.get("/healthz", headers={"x-forwarded-proto": "https"})
    async with client_with(settings) as client:
        development = await client.get("https://testserver/healthz")
    assert proxied.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in plain.headers
    assert "strict-transport-security" not in untrusted.headers  # the client wrote that header itself
    assert "strict-transport-security" not in development.headers


async def test_a_body_over_the_limit_by_content_length_is_413_before_it_is_read(settings):
    async with client_with(settings, max_request_bytes=4096) as client:
        within = await client.post("/graphql", content=padded_body(4096), headers={"content-type": "application/json"})
        over = await client.post(
            "/graphql",
            content=padded_body(4097),
            headers={"content-type": "application/json", "accept": "application/graphql-response+json"},
        )
    assert within.status_code == 200 and within.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 413
    assert over.headers["content-type"] == "application/graphql-response+json"
    assert over.headers["connection"] == "close"
    assert security_headers(over) == STATIC
    error = over.json()["errors"][0]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "maxBytes": 4096}


async def test_a_streamed_body_is_counted_and_stopped_past_the_limit(settings):
    chunks_pulled = 0

    async def stream(total: int):
        nonlocal chunks_pulled
        body = padded_body(total)
        for start in range(0, len(body), 1024):
            chunks_pulled += 1
            yield body[start : start + 1024]

    async with client_with(settings, max_request_bytes=4096) as client:
        within = await client.post("/graphql", content=stream(4096), headers={"content-type": "application/json"})
        chunks_pulled = 0
        over = await client.post("/graphql", content=stream(1024 * 1024), headers={"content-type": "application/json"})
    assert "content-length" not in within.request.headers  # chunked: no length announced
    assert within.status_code == 200 and within.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 413
    assert over.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert security_headers(over) == STATIC
    assert chunks_pulled <= 6  # stopped at the chunk past 4 KiB, not after the whole megabyte


async def test_headers_over_the_limit_are_431(settings):
    async with client_with(settings, max_header_bytes=2048) as client:
        within = await client.get("/healthz", headers={"x-pad": "a" * 1500})
        over = await client.post("/graphql", json={"query": QUERY}, headers={"x-pad": "a" * 2100})
    assert within.status_code == 200
    assert over.status_code == 431
    assert over.json() == {
        "errors": [
            {
                "message": "The request's headers are larger than 2048 bytes.",
                "extensions": {"code": "HEADERS_TOO_LARGE", "maxBytes": 2048},
            }
        ]
    }


async def test_a_cacheable_get_varies_on_authorization_and_origin(http, conn):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    anonymous = await http.get("/graphql", params={"query": "{ articles(first: 1) { totalCount } }"})
    assert anonymous.headers["cache-control"].startswith("public")
    assert {part.strip() for part in anonymous.headers["vary"].split(",")} == {"Authorization", "Origin"}
    revalidated = await http.get(
        "/graphql",
        params={"query": "{ articles(first: 1) { totalCount } }"},
        headers={"if-none-match": anonymous.headers["etag"]},
    )
    assert revalidated.status_code == 304
    assert "Authorization" in revalidated.headers["vary"]
