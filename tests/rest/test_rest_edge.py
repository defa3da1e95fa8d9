"""The GraphQL door's edge and observability hold for /api: size limits, headers, CORS, logs, metrics, spans."""

import logging

import httpx
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graph.app import create_app
from tests import factories
from tests.apps import client_with
from tests.rest_client import auth, register


async def _chunks():
    for chunk in (b'{"user": {"username": "', b"x" * 4000, b'"}}'):
        yield chunk


async def test_a_body_over_max_request_bytes_is_413_before_any_handler_runs(settings, conn):
    async with client_with(settings, max_request_bytes=2048) as http:
        body = {"user": {"username": "big", "email": "big@example.com", "password": "p" * 4000}}
        response = await http.post("/api/users", json=body)
        assert response.status_code == 413
        assert response.json() == {"errors": {"body": ["The request body is larger than 2048 bytes."]}}
        chunked = await http.post(
            "/api/users",
            content=_chunks(),
            headers={"content-type": "application/json"},
        )
        assert chunked.status_code == 413
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


async def test_headers_over_max_header_bytes_are_431_on_api_routes_too(settings):
    async with client_with(settings, max_header_bytes=1024) as http:
        response = await http.get("/api/tags", headers={"x-padding": "p" * 2000})
        assert response.status_code == 431
        assert list(response.json()["errors"]) == ["body"]
        # /graphql keeps its GraphQL-shaped refusal.
        graphql = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"x-padding": "p" * 2000})
        assert graphql.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"


async def test_rest_answers_carry_the_security_headers(http):
    response = await http.get("/api/tags")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_unknown_api_paths_and_methods_get_the_realworld_error_body(http):
    missing = await http.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"errors": {"body": ["No such resource."]}}
    wrong_method = await http.patch("/api/tags")
    assert wrong_method.status_code == 405
    assert list(wrong_method.json()["errors"]) == ["body"]
    # Outside /api the app's usual answer stays.
    assert (await http.get("/not-api")).json() == {"detail": "Not Found"}


async def test_a_browser_on_an_allowed_origin_may_put_and_delete(settings):
    async with client_with(settings, allowed_origins=["https://app.example"]) as http:
        for method in ("PUT", "DELETE"):
            preflight = await http.options(
                "/api/user",
                headers={
                    "origin": "https://app.example",
                    "access-control-request-method": method,
                    "access-control-request-headers": "authorization, content-type",
                },
            )
            assert preflight.status_code == 200
            assert method in preflight.headers["access-control-allow-methods"]
            assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        refused = await http.options(
            "/api/user", headers={"origin": "https://evil.example", "access-control-request-method": "PUT"}
        )
        assert refused.status_code == 400


async def test_each_rest_request_logs_one_line_with_the_graphql_lines_fields(http, caplog):
    user = await register(http, "logged")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.request"):
        await http.get("/api/user", headers={**auth(user["token"]), "x-request-id": "req-42"})
        await http.get("/api/articles/missing")
    ok, missing = [record.fields for record in caplog.records if record.getMessage() == "rest request"]
    assert {key: ok[key] for key in ("request_id", "operation", "method", "status", "outcome", "path")} == {
        "request_id": "req-42",
        "operation": "GetCurrentUser",
        "method": "GET",
        "status": 200,
        "outcome": "ok",
        "path": "rest",
    }
    assert ok["statements"] == 1 and ok["duration_ms"] >= 0
    assert (missing["status"], missing["outcome"]) == (404, ["NOT_FOUND"])
    assert user["token"] not in str(caplog.records[0].__dict__)


async def test_rest_requests_are_counted_in_the_metrics(http):
    await http.get("/api/tags")
    await http.get("/api/articles/missing")
    exposition = (await http.get("/metrics")).text
    assert 'rest_requests_total{operation="GetTags",status="200"}' in exposition
    assert 'rest_requests_total{operation="GetArticle",status="404"}' in exposition
    assert "rest_request_duration_seconds_bucket" in exposition


async def test_a_rest_request_is_one_span_with_a_child_per_statement(settings, conn):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    exporter = InMemorySpanExporter()
    app = create_app(settings.model_copy(update={"tracing": "otlp"}), span_exporter=exporter)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/api/articles")).status_code == 200
    spans = list(exporter.get_finished_spans())
    (request,) = [span for span in spans if span.name == "rest GetArticles"]
    children = [span for span in spans if span.parent is not None and span.parent.span_id == request.context.span_id]
    assert request.attributes["db.statement_count"] == len(children) == 4
