"""GraphQL operations and helpers shared by the tests that drive real processes over HTTP."""

from typing import Any

import httpx

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { token viewer { user { id username } } errors { message } }
}
"""
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { message } } }
"""
CREATE_ARTICLE = """
mutation Create($input: CreateArticleInput!) {
  createArticle(input: $input) { article { id title } errors { message } }
}
"""
UPDATE_ARTICLE = """
mutation Update($input: UpdateArticleInput!) {
  updateArticle(input: $input) { article { id title } errors { message } }
}
"""
READ_ARTICLES = """
query Read { articles(first: 5) { edges { node { title tags author { username followersCount } } } } }
"""
PASSWORD = "a long enough password"


def article_input(title: str) -> dict[str, Any]:
    return {"input": {"title": title, "description": "About it.", "body": "Body.", "tags": ["faults"]}}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, username: str) -> str:
    """Sign a user up through the API; returns the bearer token."""
    variables = {"input": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}}
    response = await client.post("/graphql", json={"query": REGISTER, "variables": variables})
    payload = response.json()["data"]["register"]
    assert payload["errors"] == [], payload
    return payload["token"]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
