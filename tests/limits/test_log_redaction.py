"""With LOG_VARIABLES=true, a password never reaches the log, whatever its variable is named
(graph/limits/redaction.py)."""

import hashlib
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from tests import factories
from tests.apps import clients_on_both_paths

SECRET = "hunter2-secret-value"
LOGIN_P = 'mutation($p: String!) { login(input: {email: "x@example.com", password: $p}) { token } }'


@pytest.fixture(scope="module")
async def paths(settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with clients_on_both_paths(settings, log_variables=True) as clients:
        yield clients


@pytest.fixture(params=["planned", "general"])
def client(request, paths) -> httpx.AsyncClient:
    return paths[request.param]


async def logged(client, caplog, query: str | None, variables: dict, **extra) -> dict:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.request"):
        if query is None:
            response = await client.get("/graphql", params={"variables": json.dumps(variables), **extra})
        else:
            response = await client.post("/graphql", json={"query": query, "variables": variables, **extra})
    assert response.status_code == 200
    (line,) = [record.fields for record in caplog.records if record.name == "graph.request"]
    assert SECRET not in caplog.text
    return line["variables"]


@pytest.mark.parametrize("name", ["p", "pwd", "pass", "x"])
async def test_a_variable_fed_to_a_password_inside_an_input_literal_is_redacted(client, caplog, name):
    query = LOGIN_P.replace("$p", f"${name}")
    assert await logged(client, caplog, query, {name: SECRET}) == {name: "[redacted]"}


@pytest.mark.parametrize(
    ("query", "variables", "shown"),
    [
        (
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"email": "x@example.com", "password": SECRET}},
            {"i": {"email": "x@example.com", "password": "[redacted]"}},
        ),
        (
            "mutation($r: RegisterInput!) { register(input: $r) { token } }",
            {"r": {"username": "bob", "email": "b@example.com", "password": SECRET}},
            {"r": {"username": "bob", "email": "b@example.com", "password": "[redacted]"}},
        ),
        (
            "mutation($u: UpdateViewerInput!) { updateViewer(input: $u) { errors { code } } }",
            {"u": {"bio": "hi", "password": SECRET}},
            {"u": {"bio": "hi", "password": "[redacted]"}},
        ),
    ],
)
async def test_a_whole_input_object_shows_all_but_its_password(client, caplog, query, variables, shown):
    assert await logged(client, caplog, query, variables) == shown


async def test_a_variable_named_password_that_feeds_no_password_is_shown(client, caplog, conn):
    await factories.user(conn, "alice")
    query = "query($password: String!) { user(username: $password) { username } }"
    assert await logged(client, caplog, query, {"password": "alice"}) == {"password": "alice"}


async def test_variables_the_operation_does_not_declare_are_redacted(client, caplog):
    query = "query($n: Int) { tags(first: $n) { name } }"
    assert await logged(client, caplog, query, {"n": 1, "stray": SECRET}) == {"n": 1, "stray": "[redacted]"}


async def test_every_value_is_redacted_when_the_document_does_not_parse(client, caplog):
    query = "mutation($p: String!) { login(input: {password: $p} "
    assert await logged(client, caplog, query, {"p": SECRET}) == {"p": "[redacted]"}


async def test_a_persisted_query_sent_by_hash_is_redacted_by_use(client, caplog):
    query = LOGIN_P.replace("$p", "$secretless")
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    await logged(client, caplog, query, {"secretless": SECRET}, extensions=extensions)  # registers it
    by_hash = {"query": None, "variables": {"secretless": SECRET}, "extensions": extensions}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.request"):
        response = await client.post("/graphql", json=by_hash)
    assert response.json()["data"]["login"] == {"token": None}  # the stored document ran
    (line,) = [record.fields for record in caplog.records if record.name == "graph.request"]
    assert line["variables"] == {"secretless": "[redacted]"}
    assert SECRET not in caplog.text
