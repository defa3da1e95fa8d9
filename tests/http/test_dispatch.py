"""GET and POST /graphql answered directly (graph/http/dispatch.py) equal FastAPI's way, byte for byte."""

import hashlib
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from graph.app import create_app
from graph.http import dispatch, endpoint
from graph.settings import Settings
from tests import factories

QUERY = "query Names { users(first: 2) { edges { node { username } } } }"
MISSING = "query Missing { nope }"
LOGIN = 'mutation { login(input: {email: "a@b.co", password: "x"}) { token } }'
JSON = {"content-type": "application/json"}
PREFLIGHTED = {"apollo-require-preflight": "1"}

# (method, path, headers, body or query string): the cases of http.md that differ in status, headers or body.
CASES = [
    ("POST", "/graphql", JSON, {"json": {"query": QUERY}}),
    ("POST", "/graphql", JSON, {"json": {"query": QUERY, "operationName": "Nope"}}),
    ("POST", "/graphql", JSON, {"json": {"query": MISSING}}),
    ("POST", "/graphql", {**JSON, "accept": "application/graphql-response+json"}, {"json": {"query": MISSING}}),
    ("POST", "/graphql", JSON, {"json": {"query": "{ users(first: 1) { edges { node { id } } }"}}),
    ("POST", "/graphql", JSON, {"content": b"{not json"}),
    ("POST", "/graphql", JSON, {"json": [{"query": QUERY}]}),
    ("POST", "/graphql", JSON, {"json": {"query": 5}}),
    ("POST", "/graphql", {"content-type": "text/plain"}, {"content": b'{"query": "{ __typename }"}'}),
    ("POST", "/graphql", {"content-type": "text/plain", **PREFLIGHTED}, {"content": b'{"query": "{ __typename }"}'}),
    ("POST", "/graphql", {**JSON, "authorization": "Bearer nope"}, {"json": {"query": QUERY}}),
    ("POST", "/graphql", {**JSON, "origin": "http://localhost:5173"}, {"json": {"query": QUERY}}),
    ("POST", "/graphql", {**JSON, "origin": "https://evil.example"}, {"json": {"query": QUERY}}),
    ("POST", "/graphql", JSON, {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}}),
    (
        "POST",
        "/graphql",
        JSON,
        {"json": {"query": LOGIN}},
    ),
    ("GET", "/graphql", PREFLIGHTED, {"params": {"query": QUERY}}),
    ("GET", "/graphql", JSON, {"params": {"query": QUERY}}),
    ("GET", "/graphql", {}, {"params": {"query": QUERY}}),
    ("GET", "/graphql", {"content-type": "text/plain", **PREFLIGHTED}, {"params": {"query": QUERY}}),
    ("GET", "/graphql", {}, {"params": {"query": "mutation { logout }"}}),
    ("GET", "/graphql", {}, {"params": {"query": QUERY, "variables": "{"}}),
    ("GET", "/graphql", {"origin": "http://localhost:3000"}, {"params": {"query": QUERY}}),
    ("GET", "/graphql", {"accept": "text/html"}, {}),
    ("PUT", "/graphql", JSON, {"json": {"query": QUERY}}),
    ("HEAD", "/graphql", {}, {"params": {"query": QUERY}}),
    ("POST", "/graphql/", JSON, {"json": {"query": QUERY}}),
    ("OPTIONS", "/graphql", {"origin": "http://localhost:5173", "access-control-request-method": "POST"}, {}),
]


def by_fastapi(app: FastAPI):
    """The app, but every request takes FastAPI's way (its middleware stack and router), past the same edge."""

    async def routed(scope, receive, send) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    async def asgi(scope, receive, send) -> None:
        await app.edge(scope, receive, send, routed)

    return asgi


@pytest.fixture(scope="module")
async def clients(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, dispatch.App]]:
    application = create_app(settings.model_copy(update={"pool_max_size": 4}))
    assert isinstance(application, dispatch.App)
    async with LifespanManager(application) as manager:
        state = manager._state

        async def with_state(scope, receive, send) -> None:
            scope["state"] = state
            await by_fastapi(application)(scope, receive, send)

        direct = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        routed = httpx.ASGITransport(app=with_state, raise_app_exceptions=False)
        async with (
            httpx.AsyncClient(transport=direct, base_url="http://testserver") as fast,
            httpx.AsyncClient(transport=routed, base_url="http://testserver") as slow,
        ):
            yield fast, slow, application


async def test_the_direct_way_skips_fastapis_stack(clients, monkeypatch) -> None:
    fast, _, application = clients

    async def unused(scope, receive, send) -> None:
        raise AssertionError(f"FastAPI's stack ran for {scope['method']} {scope['path']}")

    monkeypatch.setattr(application, "middleware_stack", unused)
    assert (await fast.post("/graphql", json={"query": QUERY})).status_code == 200
    assert (await fast.get("/graphql", params={"query": QUERY})).status_code == 200


async def test_fastapis_telemetry_turned_on_sends_requests_its_way_within_a_second(clients, monkeypatch) -> None:
    fast, _, application = clients
    checks = []

    def enabled() -> bool:
        checks.append(True)
        return len(checks) > 1

    routed = []
    stack = application.middleware_stack

    async def recording(scope, receive, send) -> None:
        routed.append(scope["path"])
        await stack(scope, receive, send)

    monkeypatch.setattr(application._native_telemetry, "enabled", enabled)
    monkeypatch.setattr(application, "middleware_stack", recording)
    monkeypatch.setattr(application, "_telemetry_on", False)
    monkeypatch.setattr(application, "_telemetry_checked_until", float("-inf"))
    for _ in range(3):
        assert (await fast.post("/graphql", json={"query": QUERY})).status_code == 200
    assert (checks, routed) == ([True], [])  # off: checked once, not per request

    monkeypatch.setattr(application, "_telemetry_checked_until", float("-inf"))  # a second has passed
    for _ in range(2):
        assert (await fast.post("/graphql", json={"query": QUERY})).status_code == 200
    # On: final. (FastAPI's own __call__ then makes its check per request, as always.)
    assert routed == ["/graphql", "/graphql"]
    assert application._telemetry_on


def _comparable(response: httpx.Response) -> tuple:
    return response.status_code, sorted(response.headers.multi_items()), response.content


@pytest.mark.parametrize(("method", "path", "headers", "request_args"), CASES)
async def test_each_case_is_answered_exactly_as_fastapi_answers_it(
    clients, conn, method, path, headers, request_args
) -> None:
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    fast, slow, _ = clients
    direct = await fast.request(method, path, headers=headers, **request_args)
    routed = await slow.request(method, path, headers=headers, **request_args)
    assert _comparable(direct) == _comparable(routed)


async def test_a_cached_get_answers_304_on_both_ways(clients) -> None:
    fast, slow, _ = clients
    first = await fast.get("/graphql", params={"query": QUERY})
    etag = first.headers["etag"]
    for client in (fast, slow):
        again = await client.get("/graphql", params={"query": QUERY}, headers={"if-none-match": etag})
        assert again.status_code == 304


async def test_an_unexpected_exception_is_a_plain_500_with_the_cors_header_on_both_ways(clients, monkeypatch) -> None:
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(endpoint, "negotiate", broken)
    fast, slow, _ = clients
    direct = await fast.post("/graphql", json={"query": QUERY}, headers={"origin": "http://localhost:5173"})
    routed = await slow.post("/graphql", json={"query": QUERY}, headers={"origin": "http://localhost:5173"})
    assert direct.status_code == 500
    assert direct.text == "Internal Server Error"
    assert _comparable(direct) == _comparable(routed)


async def test_the_direct_way_logs_the_same_operation_line(clients, caplog) -> None:
    fast, slow, _ = clients
    digest = hashlib.sha256(MISSING.encode()).hexdigest()
    body = {"query": MISSING, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    with caplog.at_level(logging.INFO, logger="graph.request"):
        await fast.post("/graphql", json=body, headers={"x-request-id": "same"})
        await slow.post("/graphql", json=body, headers={"x-request-id": "same"})
    direct, routed = ({k: v for k, v in r.fields.items() if k != "duration_ms"} for r in caplog.records)
    assert direct == routed
    assert direct["persisted_query_hash"] == digest
