"""Introspection and GraphiQL are off in production; without introspection, errors suggest nothing."""

import pytest

from tests.apps import client_with

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "User") { fields { name } } }'
TYPO = "{ tag { name } }"  # graphql-core would suggest "tags"
ENUM_TYPO = "query($o: ArticleOrder) { articles(orderBy: $o) { totalCount } }"
ARGUMENT_TYPO = "{ articles(frist: 1) { totalCount } }"


async def post(client, query, variables=None):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return response.json()


@pytest.fixture
async def production(settings):
    async with client_with(settings, environment="production") as client:
        yield client


async def test_development_answers_introspection_and_suggests(http):
    assert (await post(http, INTROSPECTION))["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean 'tags'?" in (await post(http, TYPO))["errors"][0]["message"]
    assert "Did you mean" in (await post(http, ENUM_TYPO, {"o": "NEWES"}))["errors"][0]["message"]


@pytest.mark.parametrize("query", [INTROSPECTION, TYPE])
async def test_production_refuses_introspection_as_a_validation_error(production, query):
    body = await post(production, query)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_production_still_answers_typename(production):
    assert (await post(production, "{ __typename }")) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (TYPO, None, "GRAPHQL_VALIDATION_FAILED"),
        (ARGUMENT_TYPO, None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ articles(orderBy: NEWES) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (ENUM_TYPO, {"o": "NEWES"}, "BAD_USER_INPUT"),
        ('{ articles(filter: {tga: "x"}) { totalCount } }', None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_production_errors_carry_no_suggestions(production, http, query, variables, code):
    development = await post(http, query, variables)
    body = await post(production, query, variables)

    assert "Did you mean" in development["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == code
    assert all("Did you mean" not in error["message"] for error in body["errors"])


async def test_production_serves_no_graphiql(production):
    response = await production.get("/graphql", headers={"accept": "text/html"})
    assert not response.headers["content-type"].startswith("text/html")
    assert "LatestArticles" not in response.text


async def test_the_introspection_setting_overrides_the_environment(settings):
    async with client_with(settings, environment="production", introspection=True) as client:
        assert (await post(client, INTROSPECTION))["data"]["__schema"]["queryType"]["name"] == "Query"
    async with client_with(settings, introspection=False) as client:
        assert (await post(client, INTROSPECTION))["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "Did you mean" not in (await post(client, TYPO))["errors"][0]["message"]
