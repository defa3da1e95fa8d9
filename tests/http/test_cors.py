"""CORS: one origin list (settings) for browsers' HTTP calls and WebSocket handshakes (http.md)."""

import httpx
import pytest

from graph.app import create_app
from graph.http.origins import OriginPolicy
from graph.settings import Settings

PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, authorization, apollo-require-preflight",
}


def production(**overrides) -> Settings:
    return Settings(environment="production", jwt_secret="x" * 32, **overrides)


async def preflight(app, origin: str) -> httpx.Response:
    # Preflights are answered by the middleware, before the lifespan's state is needed.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client:
        return await client.options("/graphql", headers={"origin": origin, **PREFLIGHT})


async def test_development_answers_preflights_from_any_localhost_port(http) -> None:
    response = await http.options("/graphql", headers={"origin": "http://localhost:5173", **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"content-type", "authorization", "apollo-require-preflight"} <= set(allowed.replace(" ", "").split(","))


async def test_development_refuses_other_origins(http) -> None:
    response = await http.options("/graphql", headers={"origin": "https://evil.example", **PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_simple_request_from_an_unlisted_origin_gets_no_cors_grant(http) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ tags { name } }"}, headers={"origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_production_allows_only_listed_origins() -> None:
    app = create_app(production(allowed_origins=["https://app.example"]))
    assert (await preflight(app, "https://app.example")).headers["access-control-allow-origin"] == "https://app.example"
    assert (await preflight(app, "http://localhost:5173")).status_code == 400


async def test_production_allows_no_origin_until_configured() -> None:
    assert (await preflight(create_app(production()), "https://app.example")).status_code == 400


@pytest.mark.parametrize(
    ("environment", "origin", "allowed"),
    [
        ("development", "http://localhost:3000", True),
        ("development", "http://127.0.0.1:8080/", True),
        ("development", "http://[::1]:4000", True),
        ("development", "http://localhost.evil.example", False),
        ("development", "https://app.example", True),
        ("production", "HTTPS://APP.EXAMPLE", True),
        ("production", "http://localhost:3000", False),
        ("production", "https://app.example.evil", False),
    ],
)
def test_the_origin_policy(environment: str, origin: str, allowed: bool) -> None:
    settings = Settings(environment=environment, allowed_origins="https://app.example")
    assert OriginPolicy(settings).allows(origin) is allowed
