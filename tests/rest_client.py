"""Small helpers for the REST tests: a signed-in header, and registering a user over /api."""

from typing import Any

import httpx

from tests import factories


def auth(token: str, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


async def register(http: httpx.AsyncClient, username: str, **fields: Any) -> dict[str, Any]:
    """A new user over POST /api/users; their `user` object (token included)."""
    body = {"username": username, "email": f"{username}@example.com", "password": factories.PASSWORD, **fields}
    response = await http.post("/api/users", json={"user": body})
    assert response.status_code == 201, response.text
    return response.json()["user"]


async def write_article(http: httpx.AsyncClient, token: str, title: str = "A title", **fields: Any) -> dict[str, Any]:
    body = {"title": title, "description": "About it.", "body": "Body text.", **fields}
    response = await http.post("/api/articles", json={"article": body}, headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()["article"]
