"""The OpenAPI document: committed, served, complete for RealWorld, and /docs shows it."""

import json

from graph.rest.openapi import DOCS_CSP
from tests.servers import ROOT

# Every RealWorld endpoint, with the operationId the RealWorld spec gives it.
REALWORLD = {
    ("post", "/api/users"): "CreateUser",
    ("post", "/api/users/login"): "Login",
    ("get", "/api/user"): "GetCurrentUser",
    ("put", "/api/user"): "UpdateCurrentUser",
    ("get", "/api/profiles/{username}"): "GetProfileByUsername",
    ("post", "/api/profiles/{username}/follow"): "FollowUserByUsername",
    ("delete", "/api/profiles/{username}/follow"): "UnfollowUserByUsername",
    ("get", "/api/articles"): "GetArticles",
    ("post", "/api/articles"): "CreateArticle",
    ("get", "/api/articles/feed"): "GetArticlesFeed",
    ("get", "/api/articles/{slug}"): "GetArticle",
    ("put", "/api/articles/{slug}"): "UpdateArticle",
    ("delete", "/api/articles/{slug}"): "DeleteArticle",
    ("post", "/api/articles/{slug}/favorite"): "CreateArticleFavorite",
    ("delete", "/api/articles/{slug}/favorite"): "DeleteArticleFavorite",
    ("get", "/api/articles/{slug}/comments"): "GetArticleComments",
    ("post", "/api/articles/{slug}/comments"): "CreateArticleComment",
    ("delete", "/api/articles/{slug}/comments/{id}"): "DeleteArticleComment",
    ("get", "/api/tags"): "GetTags",
}


def committed() -> dict:
    return json.loads((ROOT / "artifacts" / "openapi.json").read_text())


def test_the_document_has_every_realworld_endpoint_and_nothing_of_graphql():
    document = committed()
    found = {
        (method, path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert found == REALWORLD


def test_every_error_answer_is_documented_with_the_realworld_body():
    document = committed()
    assert document["components"]["schemas"]["ErrorBody"]["properties"]["errors"]["additionalProperties"] == {
        "items": {"type": "string"},
        "type": "array",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {status: answer for status, answer in operation["responses"].items() if status >= "400"}
            assert {"401", "422", "503"} <= set(errors), (method, path)
            for answer in errors.values():
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


async def test_the_app_serves_the_committed_document_and_the_docs_page(http):
    served = await http.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json() == committed()
    docs = await http.get("/docs")
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text
    assert docs.headers["content-security-policy"] == DOCS_CSP
