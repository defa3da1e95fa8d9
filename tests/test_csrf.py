"""CSRF prevention mirrors Apollo Server's `csrfPrevention` (graph/http/csrf.py)."""

import json

import pytest

from graph.http.csrf import media_type_essence
from tests import factories
from tests.apps import client_with

QUERY = "{ tags { name } }"
LOGIN = 'mutation { login(input: {email: "alice@example.com", password: "x"}) { token } }'
SIMPLE_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
PREFLIGHT_HEADERS = ["x-apollo-operation-name", "apollo-require-preflight"]


def is_csrf_refusal(response) -> bool:
    errors = response.json().get("errors") or []
    return (
        response.status_code == 400
        and len(errors) == 1
        and errors[0]["extensions"]["code"] == "BAD_REQUEST"
        and "Cross-Site Request Forgery" in errors[0]["message"]
    )


@pytest.mark.parametrize("content_type", SIMPLE_CONTENT_TYPES)
async def test_a_post_a_browser_sends_without_preflight_is_refused_and_runs_nothing(http, conn, content_type):
    await factories.user(conn, "alice")
    headers = {"content-type": content_type} if content_type else {}

    response = await http.post("/graphql", content=json.dumps({"query": LOGIN}), headers=headers)

    assert is_csrf_refusal(response)
    assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0


@pytest.mark.parametrize("header", PREFLIGHT_HEADERS)
@pytest.mark.parametrize("content_type", SIMPLE_CONTENT_TYPES)
async def test_a_preflight_header_passes_csrf_and_a_non_json_body_is_then_415(http, content_type, header):
    headers = {header: "Tags", **({"content-type": content_type} if content_type else {})}
    response = await http.post("/graphql", content=QUERY, headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_empty_preflight_header_does_not_count(http):
    response = await http.post(
        "/graphql", content=QUERY, headers={"content-type": "text/plain", PREFLIGHT_HEADERS[1]: ""}
    )
    assert is_csrf_refusal(response)


async def test_a_json_post_needs_no_preflight_header(http):
    response = await http.post("/graphql", json={"query": QUERY})
    assert response.json() == {"data": {"tags": []}}


async def test_a_get_without_content_type_or_preflight_header_is_refused(http):
    response = await http.get("/graphql", params={"query": QUERY})
    assert is_csrf_refusal(response)


@pytest.mark.parametrize(
    "headers",
    [
        {"apollo-require-preflight": "true"},
        {"x-apollo-operation-name": "Tags"},
        {"content-type": "application/json"},  # what Apollo Client Web sends on GET
        {"content-type": "application/json; charset=utf-8"},
    ],
)
async def test_a_get_with_a_preflight_header_or_json_content_type_runs(http, headers):
    response = await http.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.json() == {"data": {"tags": []}}


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql", "nonsense"])
async def test_a_get_with_a_content_type_other_than_json_is_415_as_in_apollo_server_5_5(http, content_type):
    response = await http.get(
        "/graphql", params={"query": QUERY}, headers={"content-type": content_type, "apollo-require-preflight": "1"}
    )
    assert response.status_code == 415


async def test_a_get_mutation_with_a_preflight_header_is_still_405(http):
    response = await http.get("/graphql", params={"query": LOGIN}, headers={"apollo-require-preflight": "1"})
    assert response.status_code == 405


async def test_graphiql_is_served_to_a_browser_without_any_preflight_header(http):
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_the_header_list_is_a_setting_and_prevention_can_be_switched_off(settings):
    async with client_with(settings, csrf_prevention_headers="x-my-client") as client:
        assert is_csrf_refusal(
            await client.get("/graphql", params={"query": QUERY}, headers={"apollo-require-preflight": "1"})
        )
        ran = await client.get("/graphql", params={"query": QUERY}, headers={"x-my-client": "1"})
        assert ran.json() == {"data": {"tags": []}}
    async with client_with(settings, csrf_prevention=False) as client:
        assert (await client.get("/graphql", params={"query": QUERY})).json() == {"data": {"tags": []}}


@pytest.mark.parametrize(
    ("content_type", "essence"),
    [
        ("Text/Plain; charset=utf-8", "text/plain"),
        ("  multipart/form-data ; boundary=x", "multipart/form-data"),
        ("application/json", "application/json"),
        ("text", None),
        ("", None),
        ("text/plain/extra", None),
        ("a b/c", None),
    ],
)
def test_media_type_essence_parses_like_whatwg_mime(content_type, essence):
    assert media_type_essence(content_type) == essence
