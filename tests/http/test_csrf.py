"""Cross-site request prevention: Apollo Server's rule for POST, for GET only when asked (graph/http/csrf.py)."""

import json

import pytest

from graph.auth.tokens import Tokens, signing_secret
from graph.http.csrf import media_type_essence
from tests import factories
from tests.apps import client_with

QUERY = "{ tags { name } }"
NAMES = "query Names { users(first: 5) { edges { node { username } } } }"
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


async def test_a_plain_get_without_any_header_answers_with_data(http, conn):
    await factories.user(conn, "alice")
    # What urql at its defaults, curl and a CDN send: no Content-Type, no preflight header.
    response = await http.get("/graphql", params={"query": NAMES})
    assert response.status_code == 200
    assert response.json() == {"data": {"users": {"edges": [{"node": {"username": "alice"}}]}}}


@pytest.mark.parametrize("planned_execution", [True, False])
async def test_a_plain_get_answers_on_the_planned_and_the_general_path(settings, conn, planned_execution):
    await factories.user(conn, "alice")
    async with client_with(settings, planned_execution=planned_execution) as client:
        response = await client.get("/graphql", params={"query": NAMES})
    assert response.json() == {"data": {"users": {"edges": [{"node": {"username": "alice"}}]}}}


async def test_a_plain_get_signed_in_with_a_bearer_header_answers_for_the_viewer(http, conn, settings):
    user = await factories.user(conn, "alice")
    token = Tokens(signing_secret(settings), 60).issue(user["id"], 0)
    response = await http.get(
        "/graphql", params={"query": "{ viewer { user { username } } }"}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.json() == {"data": {"viewer": {"user": {"username": "alice"}}}}


async def test_a_plain_get_mutation_is_405_and_runs_nothing(http, conn):
    await factories.user(conn, "alice")
    response = await http.get("/graphql", params={"query": LOGIN})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql", "nonsense"])
@pytest.mark.parametrize("preflight", [{}, {"apollo-require-preflight": "1"}])
async def test_a_get_with_a_content_type_other_than_json_is_415_as_in_apollo_server_5_5(http, content_type, preflight):
    response = await http.get("/graphql", params={"query": QUERY}, headers={"content-type": content_type, **preflight})
    assert response.status_code == 415


async def test_graphiql_is_served_to_a_browser_without_any_preflight_header(http):
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_the_strict_setting_refuses_a_plain_get_as_apollo_server_does(settings, conn):
    await factories.user(conn, "alice")
    async with client_with(settings, csrf_prevention_get=True) as client:
        assert is_csrf_refusal(await client.get("/graphql", params={"query": NAMES}))
        assert is_csrf_refusal(await client.get("/graphql", params={"query": LOGIN}))  # refused before its 405
        for headers in (
            {"apollo-require-preflight": "true"},
            {"x-apollo-operation-name": "Names"},
            {"content-type": "application/json"},  # what Apollo Client Web sends on GET
            {"content-type": "application/json; charset=utf-8"},
        ):
            response = await client.get("/graphql", params={"query": NAMES}, headers=headers)
            assert response.json()["data"]["users"]["edges"] == [{"node": {"username": "alice"}}], headers
        assert is_csrf_refusal(
            await client.post("/graphql", content=json.dumps({"query": LOGIN}), headers={"content-type": "text/plain"})
        )
    assert await conn.fetchval("SELECT count(*) FROM login_attempts") == 0


async def test_switching_prevention_off_switches_the_strict_get_rule_off_too(settings):
    async with client_with(settings, csrf_prevention=False, csrf_prevention_get=True) as client:
        assert (await client.get("/graphql", params={"query": QUERY})).json() == {"data": {"tags": []}}
        # No refusal: the text/plain body reaches the Content-Type check.
        response = await client.post(
            "/graphql", content=json.dumps({"query": QUERY}), headers={"content-type": "text/plain"}
        )
        assert response.status_code == 415


async def test_the_header_list_is_a_setting(settings):
    body = json.dumps({"query": QUERY})
    async with client_with(settings, csrf_prevention_headers="x-my-client") as client:
        refused = await client.post(
            "/graphql", content=body, headers={"content-type": "text/plain", "apollo-require-preflight": "1"}
        )
        assert is_csrf_refusal(refused)
        let_in = await client.post("/graphql", content=body, headers={"content-type": "text/plain", "x-my-client": "1"})
        assert let_in.status_code == 415


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
