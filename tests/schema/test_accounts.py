"""register, login and updateViewer, end to end over HTTP against real PostgreSQL."""

import statistics
import time

import pytest
from argon2 import PasswordHasher

from graph.auth.tokens import Tokens, signing_secret
from graph.settings import Settings
from tests import factories

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    token
    viewer { email user { username } }
    errors { field message code }
  }
}
"""

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    token
    viewer { email user { username } }
    errors { field message code }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateViewerInput!) {
  updateViewer(input: $input) {
    token
    viewer { email user { username bio image } }
    errors { field message code }
  }
}
"""

VIEWER = "{ viewer { email user { username bio image } } }"


def token_for(settings: Settings, user, version: int = 0) -> str:
    return Tokens(signing_secret(settings), settings.jwt_lifetime_seconds).issue(user["id"], version)


async def user_rows(conn) -> list:
    return await conn.fetch("SELECT * FROM users ORDER BY id")


def registration(**overrides) -> dict:
    return {
        "username": "alice",
        "email": "alice@example.com",
        "password": "long enough password",
        **overrides,
    }


def only_error(payload: dict) -> dict:
    assert len(payload["errors"]) == 1, payload["errors"]
    return payload["errors"][0]


# --- register ------------------------------------------------------------------------------------------


async def test_register_returns_a_token_and_the_viewer_and_the_token_signs_in(gql, conn):
    payload = (await gql(REGISTER, {"input": registration(email="  Alice@Example.COM ")})).ok()["register"]

    assert payload["errors"] == []
    assert payload["viewer"] == {"email": "alice@example.com", "user": {"username": "alice"}}
    assert payload["token"]

    me = (await gql("{ viewer { email user { username } } }", token=payload["token"])).ok()
    assert me["viewer"] == {"email": "alice@example.com", "user": {"username": "alice"}}

    [row] = await user_rows(conn)
    assert row["username"] == "alice"
    assert row["email"] == "alice@example.com"
    assert row["password_hash"].startswith("$argon2id$")
    assert "long enough password" not in row["password_hash"]
    assert row["token_version"] == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("username", "ab"),
        ("username", "a" * 33),
        ("username", "with space"),
        ("username", "bang!"),
        ("username", "dotted.name"),
        ("username", "ünïcode"),
        ("username", ""),
        ("email", "not-an-email"),
        ("email", "no-dot@example"),
        ("email", "two@@example.com"),
        ("email", "spaced out@example.com"),
        ("email", f"{'a' * 250}@example.com"),
        ("email", ""),
        ("password", "seven77"),
        ("password", "x" * 129),
        ("password", ""),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
async def test_register_with_an_invalid_value_reports_that_field_and_writes_nothing(gql, conn, field, value):
    payload = (await gql(REGISTER, {"input": registration(**{field: value})})).ok()["register"]

    error = only_error(payload)
    assert error["code"] == "INVALID"
    assert error["field"] == ["input", field]
    assert error["message"]
    assert payload["token"] is None
    assert payload["viewer"] is None
    assert await user_rows(conn) == []


async def test_register_reports_every_invalid_field_at_once(gql, conn):
    payload = (await gql(REGISTER, {"input": {"username": "x", "email": "nope", "password": "short"}})).ok()["register"]

    assert sorted(tuple(error["field"]) for error in payload["errors"]) == [
        ("input", "email"),
        ("input", "password"),
        ("input", "username"),
    ]
    assert {error["code"] for error in payload["errors"]} == {"INVALID"}
    assert payload["token"] is None
    assert await user_rows(conn) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"username": "abc"},
        {"username": "A" * 32},
        {"username": "under_score-and-hyphen"},
        {"password": "x" * 8},
        {"password": "x" * 128},
    ],
    ids=["username of 3", "username of 32", "underscore and hyphen", "password of 8", "password of 128"],
)
async def test_register_accepts_values_at_the_limits(gql, conn, overrides):
    payload = (await gql(REGISTER, {"input": registration(**overrides)})).ok()["register"]

    assert payload["errors"] == []
    assert payload["token"]
    assert len(await user_rows(conn)) == 1


async def test_register_with_a_username_taken_in_another_case_is_taken_and_writes_nothing(gql, conn):
    existing = await factories.user(conn, "Alice", email="first@example.com")

    payload = (await gql(REGISTER, {"input": registration(username="aLICE", email="second@example.com")})).ok()[
        "register"
    ]

    error = only_error(payload)
    assert error["code"] == "TAKEN"
    assert error["field"] == ["input", "username"]
    assert payload["token"] is None and payload["viewer"] is None
    assert [row["id"] for row in await user_rows(conn)] == [existing["id"]]


async def test_register_with_an_email_taken_in_another_case_is_taken_and_writes_nothing(gql, conn):
    existing = await factories.user(conn, "first", email="alice@example.com")

    payload = (await gql(REGISTER, {"input": registration(username="second", email="ALICE@Example.com")})).ok()[
        "register"
    ]

    error = only_error(payload)
    assert error["code"] == "TAKEN"
    assert error["field"] == ["input", "email"]
    assert payload["token"] is None and payload["viewer"] is None
    assert [row["id"] for row in await user_rows(conn)] == [existing["id"]]


async def test_register_with_both_username_and_email_taken_reports_both(gql, conn):
    await factories.user(conn, "alice", email="alice@example.com")
    await factories.user(conn, "bob", email="bob@example.com")

    payload = (await gql(REGISTER, {"input": registration(username="ALICE", email="bob@example.com")})).ok()["register"]

    assert sorted((tuple(error["field"]), error["code"]) for error in payload["errors"]) == [
        (("input", "email"), "TAKEN"),
        (("input", "username"), "TAKEN"),
    ]
    assert len(await user_rows(conn)) == 2


# --- login ---------------------------------------------------------------------------------------------


async def test_login_with_the_right_password_returns_a_working_token(gql, conn):
    await factories.user(conn, "carol", email="carol@example.com")

    payload = (await gql(LOGIN, {"input": {"email": " Carol@Example.com ", "password": factories.PASSWORD}})).ok()[
        "login"
    ]

    assert payload["errors"] == []
    assert payload["viewer"] == {"email": "carol@example.com", "user": {"username": "carol"}}
    me = (await gql(VIEWER, token=payload["token"])).ok()
    assert me["viewer"]["user"]["username"] == "carol"


@pytest.mark.parametrize(
    "email, password",
    [("nobody@example.com", factories.PASSWORD), ("carol@example.com", "not the password")],
    ids=["unknown email", "wrong password"],
)
async def test_login_failure_is_bad_credentials_without_a_field_or_token(gql, conn, email, password):
    await factories.user(conn, "carol", email="carol@example.com")

    payload = (await gql(LOGIN, {"input": {"email": email, "password": password}})).ok()["login"]

    error = only_error(payload)
    assert error["code"] == "BAD_CREDENTIALS"
    assert error["field"] is None
    assert payload["token"] is None
    assert payload["viewer"] is None


async def test_login_with_an_unknown_email_takes_about_as_long_as_a_wrong_password(gql, conn):
    await factories.user(conn, "carol", email="carol@example.com")
    unknown = {"email": "nobody@example.com", "password": "not the password"}
    wrong = {"email": "carol@example.com", "password": "not the password"}

    async def seconds(credentials: dict) -> float:
        started = time.perf_counter()
        payload = (await gql(LOGIN, {"input": credentials})).ok()["login"]
        elapsed = time.perf_counter() - started
        assert payload["errors"][0]["code"] == "BAD_CREDENTIALS"
        return elapsed

    await seconds(unknown)  # warm-up: the dummy hash is computed once and cached
    await seconds(wrong)
    unknown_times, wrong_times = [], []
    for _ in range(5):
        unknown_times.append(await seconds(unknown))
        wrong_times.append(await seconds(wrong))

    unknown_median, wrong_median = statistics.median(unknown_times), statistics.median(wrong_times)
    assert unknown_median < 3 * wrong_median, (unknown_times, wrong_times)
    assert wrong_median < 3 * unknown_median, (unknown_times, wrong_times)


async def test_login_rehashes_a_password_hashed_with_weaker_parameters(gql, conn):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(factories.PASSWORD)
    user = await factories.user(conn, "dave", email="dave@example.com", password_hash=weak)

    payload = (await gql(LOGIN, {"input": {"email": "dave@example.com", "password": factories.PASSWORD}})).ok()["login"]
    assert payload["errors"] == []

    stored = await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"])
    assert stored != weak
    assert "m=19456,t=2,p=1" in stored
    assert stored.startswith("$argon2id$")
    # The rehash is not a password change: the token version stays and the new hash still verifies.
    assert await conn.fetchval("SELECT token_version FROM users WHERE id = $1", user["id"]) == 0
    again = (await gql(LOGIN, {"input": {"email": "dave@example.com", "password": factories.PASSWORD}})).ok()
    assert again["login"]["errors"] == []
    assert await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"]) == stored


async def test_login_keeps_a_hash_that_already_has_the_service_parameters(gql, conn):
    user = await factories.user(conn, "erin", email="erin@example.com")

    (await gql(LOGIN, {"input": {"email": "erin@example.com", "password": factories.PASSWORD}})).ok()

    assert await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"]) == user["password_hash"]


# --- updateViewer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, given, shown, column",
    [
        ("username", "  renamed  ", "renamed", "renamed"),
        ("email", "New@Example.COM", "new@example.com", "new@example.com"),
        ("bio", "  I write things.  ", "I write things.", "I write things."),
        (
            "image",
            "https://img.example.com/me.png",
            "https://img.example.com/me.png",
            "https://img.example.com/me.png",
        ),
        (
            "image",
            "http://img.example.com/me.png",
            "http://img.example.com/me.png",
            "http://img.example.com/me.png",
        ),
    ],
)
async def test_update_viewer_changes_one_field_and_keeps_the_others(gql, conn, settings, field, given, shown, column):
    user = await factories.user(
        conn, "frank", email="frank@example.com", bio="Old bio", image="https://a.example/x.png"
    )

    payload = (await gql(UPDATE, {"input": {field: given}}, token=token_for(settings, user))).ok()["updateViewer"]

    assert payload["errors"] == []
    assert payload["token"] is None
    viewer = payload["viewer"]
    shown_value = viewer["email"] if field == "email" else viewer["user"][field]
    assert shown_value == shown
    row = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"])
    assert row[field] == column
    for other in {"username", "email", "bio", "image", "password_hash", "token_version"} - {field}:
        assert row[other] == user[other], other
    assert row["updated_at"] > user["updated_at"]


async def test_update_viewer_clears_bio_and_image_with_empty_strings(gql, conn, settings):
    user = await factories.user(conn, "gina", bio="Some bio", image="https://a.example/x.png")

    payload = (await gql(UPDATE, {"input": {"bio": "", "image": ""}}, token=token_for(settings, user))).ok()[
        "updateViewer"
    ]

    assert payload["errors"] == []
    assert payload["viewer"]["user"]["bio"] is None
    assert payload["viewer"]["user"]["image"] is None
    row = await conn.fetchrow("SELECT bio, image FROM users WHERE id = $1", user["id"])
    assert (row["bio"], row["image"]) == (None, None)


async def test_update_viewer_with_null_fields_changes_nothing(gql, conn, settings):
    user = await factories.user(conn, "hank", bio="Some bio", image="https://a.example/x.png")

    payload = (
        await gql(UPDATE, {"input": {"bio": None, "image": None, "username": None}}, token=token_for(settings, user))
    ).ok()["updateViewer"]

    assert payload["errors"] == []
    row = await conn.fetchrow("SELECT username, bio, image FROM users WHERE id = $1", user["id"])
    assert tuple(row) == ("hank", "Some bio", "https://a.example/x.png")


@pytest.mark.parametrize(
    "field, value",
    [
        ("image", "ftp://files.example.com/me.png"),
        ("image", "javascript:alert(1)"),
        ("image", "not a url"),
        ("image", "https://"),
        ("image", "https://example.com/" + "a" * 2048),
        ("username", "no"),
        ("username", "bad name"),
        ("email", "nope"),
        ("password", "short"),
        ("password", "x" * 129),
        ("bio", "b" * 1001),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
async def test_update_viewer_with_an_invalid_value_reports_that_field_and_writes_nothing(
    gql, conn, settings, field, value
):
    user = await factories.user(conn, "iris", bio="Some bio", image="https://a.example/x.png")
    before = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"])

    payload = (await gql(UPDATE, {"input": {field: value}}, token=token_for(settings, user))).ok()["updateViewer"]

    error = only_error(payload)
    assert error["code"] == "INVALID"
    assert error["field"] == ["input", field]
    assert payload["viewer"] is None
    assert payload["token"] is None
    assert await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"]) == before


@pytest.mark.parametrize(
    "field, value", [("username", "OTHER"), ("email", "Other@Example.com")], ids=["username", "email"]
)
async def test_update_viewer_to_another_users_name_is_taken_and_writes_nothing(gql, conn, settings, field, value):
    await factories.user(conn, "other", email="other@example.com")
    user = await factories.user(conn, "jack", email="jack@example.com")
    before = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"])

    payload = (await gql(UPDATE, {"input": {field: value, "bio": "new"}}, token=token_for(settings, user))).ok()[
        "updateViewer"
    ]

    error = only_error(payload)
    assert error["code"] == "TAKEN"
    assert error["field"] == ["input", field]
    assert payload["viewer"] is None
    assert await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"]) == before


async def test_update_viewer_may_change_the_case_of_the_viewers_own_username(gql, conn, settings):
    user = await factories.user(conn, "kate", email="kate@example.com")

    payload = (
        await gql(
            UPDATE,
            {"input": {"username": "KATE", "email": "kate@example.com"}},
            token=token_for(settings, user),
        )
    ).ok()["updateViewer"]

    assert payload["errors"] == []
    assert await conn.fetchval("SELECT username FROM users WHERE id = $1", user["id"]) == "KATE"


async def test_update_viewer_password_change_issues_a_new_token_and_revokes_the_old(gql, conn, settings):
    user = await factories.user(conn, "liam", email="liam@example.com")
    old_token = token_for(settings, user)

    payload = (await gql(UPDATE, {"input": {"password": "a brand new password"}}, token=old_token)).ok()["updateViewer"]

    assert payload["errors"] == []
    new_token = payload["token"]
    assert new_token and new_token != old_token
    assert await conn.fetchval("SELECT token_version FROM users WHERE id = $1", user["id"]) == 1

    refused = await gql(VIEWER, token=old_token)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.data is None

    me = (await gql(VIEWER, token=new_token)).ok()
    assert me["viewer"]["user"]["username"] == "liam"

    old_password = (await gql(LOGIN, {"input": {"email": "liam@example.com", "password": factories.PASSWORD}})).ok()
    assert old_password["login"]["errors"][0]["code"] == "BAD_CREDENTIALS"
    new_password = (
        await gql(LOGIN, {"input": {"email": "liam@example.com", "password": "a brand new password"}})
    ).ok()["login"]
    assert new_password["errors"] == []
    assert (await gql(VIEWER, token=new_password["token"])).ok()["viewer"]["user"]["username"] == "liam"


async def test_update_viewer_without_a_token_is_unauthenticated_and_writes_nothing(gql, conn):
    user = await factories.user(conn, "mia", bio="Some bio")
    before = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"])

    response = await gql(UPDATE, {"input": {"username": "someone", "bio": "hacked"}})

    assert response.codes == ["UNAUTHENTICATED"]
    assert response.data is None
    assert await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"]) == before
    assert len(await user_rows(conn)) == 1
