"""GraphQL over HTTP: every row of http.md's status table, and persisted queries."""

import hashlib
import json

import pytest

from tests import factories

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY = "{ tags { name } }"


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _apq(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_json_clients_get_200_even_for_a_document_that_does_not_parse(http):
    response = await http.post("/graphql", json={"query": "{ tags { "})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ tags { ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ tags { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { tags(first: $n) { name } }", {"n": "many"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { tags(first: $n) { name } }", {}, "BAD_USER_INPUT"),
    ],
)
async def test_graphql_response_json_clients_get_400_for_requests_that_never_execute(http, query, variables, code):
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code


async def test_validation_messages_are_never_masked(http):
    response = await http.post("/graphql", json={"query": "{ tags { nope } }"})
    assert "Cannot query field 'nope' on type 'Tag'" in response.json()["errors"][0]["message"]


async def test_graphql_response_json_clients_get_200_for_field_errors(http):
    response = await http.post(
        "/graphql", json={"query": '{ node(id: "garbage") { id } }'}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["node"]


async def test_a_mutation_over_get_is_405_with_allow_post(http):
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { login(input: {email: "a", password: "b"}) { token } }'},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"query": 42}', "application/json", 400),
        (b'{"query": "{ tags { name } }", "variables": [1]}', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"query=%7B+tags+%7B+name+%7D+%7D", "application/x-www-form-urlencoded", 400),  # CSRF
        (b"{ tags { name } }", "text/plain", 400),  # CSRF
        (b"{ tags { name } }", "", 400),  # CSRF
        (b"{ tags { name } }", "application/graphql", 415),
    ],
)
async def test_malformed_http_requests_are_bad_request_with_a_graphql_shaped_body(http, content, content_type, status):
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/graphql", content=content, headers=headers)
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_request_without_a_query_is_bad_request(http):
    response = await http.post("/graphql", json={"variables": {}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unknown_operation_name_is_a_coded_error(http):
    response = await http.post("/graphql", json={"query": "query A { tags { name } }", "operationName": "B"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_anonymous_get_queries_are_publicly_cacheable_with_an_etag_and_304(http):
    response = await http.get("/graphql", params={"query": QUERY})
    assert response.status_code == 200
    assert response.json() == {"data": {"tags": []}}
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]

    again = await http.get("/graphql", params={"query": QUERY}, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_get_queries_with_a_viewer_are_private(http, conn, settings):
    from graph.auth.tokens import Tokens, signing_secret

    user = await factories.user(conn)
    token = Tokens(signing_secret(settings), 60).issue(user["id"], 0)
    response = await http.get(
        "/graphql", params={"query": "{ viewer { email } }"}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.json()["data"]["viewer"]["email"] == user["email"]
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers


async def test_post_responses_are_not_cacheable(http):
    response = await http.post("/graphql", json={"query": QUERY})
    assert response.headers["cache-control"] == "no-store"


async def test_batching_is_off_by_default(http):
    response = await http.post("/graphql", json=[{"query": QUERY}, {"query": QUERY}])
    assert response.status_code == 400
    assert "Batched operations are switched off" in response.json()["errors"][0]["message"]


async def test_an_unknown_persisted_query_hash_is_not_found_with_200_under_both_media_types(http):
    digest = _sha("{ users { totalCount } }")
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await http.post("/graphql", json={"extensions": _apq(digest)}, headers={"accept": accept})
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_persisted_query_is_verified_stored_in_postgres_and_then_served_by_hash_over_get(http, conn):
    query = "{ users { totalCount } }"
    digest = _sha(query)
    first = await http.post("/graphql", json={"query": query, "extensions": _apq(digest)})
    assert first.json() == {"data": {"users": {"totalCount": 0}}}
    assert await conn.fetchval("SELECT query FROM persisted_queries WHERE sha256 = $1", digest) == query

    # As urql sends it: no header at all. Apollo Client adds Content-Type: application/json, also accepted.
    for headers in ({}, {"content-type": "application/json"}):
        by_hash = await http.get("/graphql", params={"extensions": json.dumps(_apq(digest))}, headers=headers)
        assert by_hash.status_code == 200
        assert by_hash.json() == {"data": {"users": {"totalCount": 0}}}
        assert by_hash.headers["cache-control"].startswith("public")


async def test_a_persisted_query_hash_that_does_not_match_its_query_is_bad_user_input(http, conn):
    response = await http.post("/graphql", json={"query": QUERY, "extensions": _apq(_sha("{ other }"))})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await conn.fetchval("SELECT count(*) FROM persisted_queries") == 0


async def test_an_unexpected_error_is_masked_with_a_request_id_that_the_log_carries(http, caplog, monkeypatch):
    from db import tags

    async def broken(db, limit):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(tags, "popular_tags", broken)
    # Introspection keeps the query on the general path, where the resolver calls popular_tags.
    query = '{ __type(name: "Tag") { name } tags { name } }'
    with caplog.at_level("ERROR", logger="graph.errors"):
        response = await http.post("/graphql", json={"query": query}, headers={"x-request-id": "req-123"})
    error = response.json()["errors"][0]
    assert response.status_code == 200
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "SELECT" not in response.text
    assert any("req-123" in record.getMessage() and record.exc_info for record in caplog.records)


async def test_graphiql_opens_with_the_example_query_in_development(http):
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "query LatestArticles" in response.text
    assert "isHeadersEditorEnabled: true" in response.text
