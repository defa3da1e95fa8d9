"""POST /api/users, POST /api/users/login, GET and PUT /api/user, against real PostgreSQL."""

import pytest

from tests import factories
from tests.apps import client_with
from tests.graphql_client import GraphQLClient
from tests.rest_client import auth, register


async def test_registering_answers_201_with_the_user_and_a_token_that_reads_the_current_user(http):
    user = await register(http, "alice")
    assert user["username"] == "alice"
    assert user["email"] == "alice@example.com"
    assert user["bio"] is None and user["image"] is None

    for scheme in ("Token", "Bearer"):
        response = await http.get("/api/user", headers=auth(user["token"], scheme))
        assert response.status_code == 200
        assert response.json() == {"user": user}


async def test_registering_with_invalid_fields_names_each_field_with_422_and_writes_nothing(http, conn):
    response = await http.post("/api/users", json={"user": {"username": "a b", "email": "nope", "password": "short"}})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"username", "email", "password"}
    assert all(isinstance(message, str) for messages in errors.values() for message in messages)
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


async def test_registering_a_taken_username_in_another_case_is_422_on_username(http):
    await register(http, "alice")
    response = await http.post(
        "/api/users", json={"user": {"username": "ALICE", "email": "x@example.com", "password": factories.PASSWORD}}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["username"]


@pytest.mark.parametrize(
    "body",
    [{}, {"user": {}}, {"user": {"username": 5, "email": "a@b.co", "password": "x" * 10}}, [], "text"],
    ids=["empty", "no-fields", "wrong-type", "list", "string"],
)
async def test_a_body_that_does_not_fit_the_model_is_422_with_the_realworld_body(http, body):
    response = await http.post("/api/users", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors and all(isinstance(messages, list) and messages for messages in errors.values())


async def test_a_body_that_is_not_json_is_422(http):
    response = await http.post("/api/users", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["Send the body as JSON."]}}


async def test_login_answers_the_user_with_a_token_and_a_wrong_password_is_401(http):
    await register(http, "bob")
    good = await http.post(
        "/api/users/login", json={"user": {"email": "BOB@example.com", "password": factories.PASSWORD}}
    )
    assert good.status_code == 200
    user = good.json()["user"]
    assert user["username"] == "bob"
    assert (await http.get("/api/user", headers=auth(user["token"]))).json()["user"]["email"] == "bob@example.com"

    bad = await http.post("/api/users/login", json={"user": {"email": "bob@example.com", "password": "wrong password"}})
    assert bad.status_code == 401
    assert bad.json() == {"errors": {"credentials": ["Email and password do not match."]}}


async def test_login_attempts_count_against_the_same_limits_as_graphql_login(settings):
    wrong = {"email": "carol@example.com", "password": "wrong password"}
    login = "mutation($i: LoginInput!) { login(input: $i) { token } }"
    async with client_with(settings, login_attempts_per_account_address=3, login_attempts_per_account=100) as http:
        await register(http, "carol")
        gql = GraphQLClient(http)
        # The account-and-address bucket is one for both doors: GraphQL's attempts use it up for REST.
        for _ in range(3):
            assert (await gql(login, {"i": wrong})).data["login"]["token"] is None
        response = await http.post("/api/users/login", json={"user": wrong})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
        assert list(response.json()["errors"]) == ["body"]
        # And the right password is refused too while the bucket is full: no door around the limit.
        right = {"email": "carol@example.com", "password": factories.PASSWORD}
        assert (await http.post("/api/users/login", json={"user": right})).status_code == 429


async def test_current_user_without_a_token_is_401_and_with_a_bad_one_too(http):
    assert (await http.get("/api/user")).status_code == 401
    response = await http.get("/api/user", headers=auth("not-a-jwt"))
    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["The token is invalid."]}}
    malformed = await http.get("/api/user", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401


async def test_a_bad_token_is_401_even_where_signing_in_is_optional(http):
    response = await http.get("/api/articles", headers=auth("not-a-jwt"))
    assert response.status_code == 401
    assert (await http.get("/api/tags", headers=auth("not-a-jwt"))).status_code == 401


async def test_updating_the_user_changes_only_what_is_given_and_clears_bio_with_null(http):
    user = await register(http, "dave")
    headers = auth(user["token"])
    response = await http.put(
        "/api/user", json={"user": {"bio": "Hello", "image": "https://example.com/a.png"}}, headers=headers
    )
    assert response.status_code == 200
    updated = response.json()["user"]
    assert (updated["bio"], updated["image"], updated["username"]) == ("Hello", "https://example.com/a.png", "dave")
    assert updated["token"] == user["token"]

    cleared = (await http.put("/api/user", json={"user": {"bio": None}}, headers=headers)).json()["user"]
    assert cleared["bio"] is None and cleared["image"] == "https://example.com/a.png"


async def test_a_new_password_revokes_the_old_token_and_answers_a_new_one(http):
    user = await register(http, "erin")
    response = await http.put(
        "/api/user", json={"user": {"password": "another long password"}}, headers=auth(user["token"])
    )
    assert response.status_code == 200
    new_token = response.json()["user"]["token"]
    assert new_token != user["token"]
    assert (await http.get("/api/user", headers=auth(user["token"]))).status_code == 401
    assert (await http.get("/api/user", headers=auth(new_token))).status_code == 200


async def test_updating_with_an_invalid_image_or_a_taken_email_is_422_on_that_field(http):
    await register(http, "frank")
    user = await register(http, "grace")
    bad_image = await http.put("/api/user", json={"user": {"image": "ftp://x"}}, headers=auth(user["token"]))
    assert bad_image.status_code == 422 and list(bad_image.json()["errors"]) == ["image"]
    taken = await http.put("/api/user", json={"user": {"email": "frank@example.com"}}, headers=auth(user["token"]))
    assert taken.status_code == 422 and list(taken.json()["errors"]) == ["email"]
