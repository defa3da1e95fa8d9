"""One API behind two doors: tokens from either work on both, and REST writes reach GraphQL subscribers."""

import httpx
import pytest

from graph.relay.ids import encode_id
from tests import factories
from tests.live_app import serving
from tests.rest_client import auth, register, write_article
from tests.ws_client import socket

REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { token errors { message } } }
"""
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token viewer { user { username } } } }"
VIEWER = "{ viewer { user { username } } }"
ARTICLE_CREATED = "subscription { articleCreated { title tags author { username } } }"
COMMENT_ADDED = "subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }"


async def test_a_user_registered_over_rest_signs_in_over_graphql_and_its_token_works_there(http, gql):
    user = await register(http, "restful")
    assert (await gql(VIEWER, token=user["token"])).ok() == {"viewer": {"user": {"username": "restful"}}}
    login = (await gql(LOGIN, {"input": {"email": "restful@example.com", "password": factories.PASSWORD}})).ok()
    assert login["login"]["viewer"]["user"]["username"] == "restful"
    assert (await http.get("/api/user", headers=auth(login["login"]["token"]))).json()["user"]["username"] == "restful"


async def test_a_user_registered_over_graphql_signs_in_over_rest(http, gql):
    variables = {"input": {"username": "graphy", "email": "graphy@example.com", "password": factories.PASSWORD}}
    token = (await gql(REGISTER, variables)).ok()["register"]["token"]
    assert (await http.get("/api/user", headers=auth(token))).json()["user"]["username"] == "graphy"
    login = await http.post(
        "/api/users/login", json={"user": {"email": "graphy@example.com", "password": factories.PASSWORD}}
    )
    assert login.status_code == 200
    assert (await gql(VIEWER, token=login.json()["user"]["token"])).ok()["viewer"]["user"]["username"] == "graphy"


@pytest.mark.slow  # serves the app on a socket (tests/markers.py)
async def test_an_article_and_a_comment_written_over_rest_reach_graphql_subscribers(settings, conn):
    async with serving(settings) as ws_url:
        base = ws_url.replace("ws://", "http://").removesuffix("/graphql")
        async with httpx.AsyncClient(base_url=base) as http, socket(ws_url) as ws:
            user = await register(http, "announcer")
            created = await ws.subscribe(ARTICLE_CREATED)
            article = await write_article(http, user["token"], "Breaking news", tagList=["news"])
            assert await created.next() == {
                "articleCreated": {"title": "Breaking news", "tags": ["news"], "author": {"username": "announcer"}}
            }
            article_id = await conn.fetchval("SELECT id FROM articles WHERE slug = $1", article["slug"])
            comments = await ws.subscribe(COMMENT_ADDED, {"id": encode_id("Article", article_id)})
            path = f"/api/articles/{article['slug']}/comments"
            response = await http.post(
                path, json={"comment": {"body": "Read all about it"}}, headers=auth(user["token"])
            )
            assert response.status_code == 200
            assert await comments.next() == {
                "commentAdded": {"body": "Read all about it", "author": {"username": "announcer"}}
            }
