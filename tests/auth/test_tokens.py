"""Bearer tokens over HTTP, and where the signing secret comes from."""

import base64
import json
import os
import stat
import time
import warnings

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from graph.auth.tokens import ALGORITHM, MIN_SECRET_BYTES, SecretMissing, Tokens, signing_secret
from graph.errors import Unauthenticated
from graph.settings import Settings
from tests import factories

VIEWER = "{ viewer { email user { username } } }"
OTHER_KEY = "another-secret-that-is-also-32-bytes-or-more"


def secret_of(settings: Settings) -> bytes:
    return settings.jwt_secret.get_secret_value().encode()


def claims_for(user_id: int, *, version: int = 0, lifetime: int = 3600, **overrides) -> dict:
    now = int(time.time())
    return {"sub": str(user_id), "ver": version, "iat": now, "exp": now + lifetime, **overrides}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


async def ask(http, authorization: str | None, query: str = VIEWER):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200
    return response.json()


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


# --- accepted ------------------------------------------------------------------------------------------


async def test_a_request_without_an_authorization_header_is_anonymous(http, conn):
    await factories.user(conn, "alice")

    body = await ask(http, None)

    assert body == {"data": {"viewer": None}}


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
async def test_a_valid_token_under_either_scheme_names_the_viewer(http, conn, settings, scheme):
    user = await factories.user(conn, "alice", email="alice@example.com")
    token = Tokens(signing_secret(settings), 3600).issue(user["id"], 0)

    body = await ask(http, f"{scheme} {token}")

    assert "errors" not in body
    assert body["data"]["viewer"] == {"email": "alice@example.com", "user": {"username": "alice"}}


async def test_a_token_built_by_hand_with_the_right_claims_and_key_is_accepted(http, conn, settings):
    """Guards the refusal cases below: they fail for their one defect, not for the way they are built."""
    user = await factories.user(conn, "alice")

    token = jwt.encode(claims_for(user["id"]), secret_of(settings), algorithm=ALGORITHM)

    assert (await ask(http, f"Bearer {token}"))["data"]["viewer"]["user"]["username"] == "alice"


# --- refused -------------------------------------------------------------------------------------------


def none_token(claims: dict) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


BAD_TOKENS = {
    "malformed": lambda user_id, secret: "Bearer not.a.jwt",
    "garbage": lambda user_id, secret: "Bearer abc",
    "scheme without a token": lambda user_id, secret: "Bearer",
    "another key": lambda user_id, secret: "Bearer " + jwt.encode(claims_for(user_id), OTHER_KEY, algorithm="HS256"),
    "alg none by PyJWT": lambda user_id, secret: "Bearer " + jwt.encode(claims_for(user_id), None, algorithm="none"),
    "alg none by hand": lambda user_id, secret: "Bearer " + none_token(claims_for(user_id)),
    "alg none with the key as signature": lambda user_id, secret: (
        "Bearer " + none_token(claims_for(user_id)) + b64url(secret)
    ),
    "HS512 with the right key": lambda user_id, secret: "Bearer " + hs512(claims_for(user_id), secret),
    "no exp": lambda user_id, secret: (
        "Bearer " + jwt.encode({"sub": str(user_id), "ver": 0, "iat": int(time.time())}, secret, algorithm="HS256")
    ),
    "no iat": lambda user_id, secret: (
        "Bearer "
        + jwt.encode({"sub": str(user_id), "ver": 0, "exp": int(time.time()) + 3600}, secret, algorithm="HS256")
    ),
    "no sub": lambda user_id, secret: (
        "Bearer "
        + jwt.encode({"ver": 0, "iat": int(time.time()), "exp": int(time.time()) + 3600}, secret, algorithm="HS256")
    ),
    "non-numeric sub": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, sub="alice"), secret, algorithm="HS256")
    ),
    # Signed with the server's own secret: a 500 and a reset connection before (asyncpg's int64 overflow).
    "sub over int64": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, sub=str(2**63)), secret, algorithm="HS256")
    ),
    "sub far over int64": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, sub="9" * 40), secret, algorithm="HS256")
    ),
    "sub zero": lambda user_id, secret: "Bearer " + jwt.encode(claims_for(user_id, sub="0"), secret, algorithm="HS256"),
    "sub negative": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, sub=f"-{user_id}"), secret, algorithm="HS256")
    ),
    "sub with an underscore": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, sub=f"{user_id}_0"), secret, algorithm="HS256")
    ),
    "expired": lambda user_id, secret: (
        "Bearer "
        + jwt.encode(claims_for(user_id, iat=int(time.time()) - 7200, lifetime=-3600), secret, algorithm="HS256")
    ),
    "tampered payload": lambda user_id, secret: "Bearer " + tampered(user_id, secret),
    "alg None in another case": lambda user_id, secret: (
        "Bearer " + none_token(claims_for(user_id)).replace(b64url(b'"none"'), b64url(b'"None"'))
    ),
    "exp one second past": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, lifetime=-1), secret, algorithm="HS256")
    ),
    "exp not a number": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, exp="tomorrow"), secret, algorithm="HS256")
    ),
    "not valid before a future time": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id, nbf=int(time.time()) + 3600), secret, algorithm="HS256")
    ),
    "empty signature": lambda user_id, secret: (
        "Bearer " + jwt.encode(claims_for(user_id), secret, algorithm="HS256").rsplit(".", 1)[0] + "."
    ),
    "basic auth": lambda user_id, secret: "Basic xyz",
    "basic auth with a valid token": lambda user_id, secret: "Basic " + Tokens(secret, 3600).issue(user_id, 0),
}


def hs512(claims: dict, secret: bytes) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # the test secret is short for SHA-512
        return jwt.encode(claims, secret, algorithm="HS512")


def tampered(user_id: int, secret: bytes) -> str:
    """A valid token for `user_id` whose payload now names another user, signature unchanged."""
    header, _, signature = jwt.encode(claims_for(user_id), secret, algorithm="HS256").split(".")
    return ".".join((header, b64url(json.dumps(claims_for(user_id + 1)).encode()), signature))


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_a_bad_token_is_unauthenticated_never_anonymous(http, conn, settings, case):
    user = await factories.user(conn, "alice")
    await factories.user(conn, "bob")

    body = await ask(http, BAD_TOKENS[case](user["id"], secret_of(settings)))

    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_a_token_for_a_deleted_user_is_unauthenticated(http, conn, settings):
    user = await factories.user(conn, "alice")
    token = Tokens(signing_secret(settings), 3600).issue(user["id"], 0)
    await conn.execute("DELETE FROM users WHERE id = $1", user["id"])

    body = await ask(http, f"Bearer {token}")

    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


@pytest.mark.parametrize("token_version, stored_version", [(0, 1), (2, 1)], ids=["older", "newer"])
async def test_a_token_whose_version_differs_from_the_users_is_unauthenticated(
    http, conn, settings, token_version, stored_version
):
    user = await factories.user(conn, "alice")
    await conn.execute("UPDATE users SET token_version = $2 WHERE id = $1", user["id"], stored_version)
    token = Tokens(signing_secret(settings), 3600).issue(user["id"], token_version)

    body = await ask(http, f"Bearer {token}")

    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_a_bad_token_refuses_even_a_query_that_needs_no_viewer(http, conn):
    await factories.article(conn, (await factories.user(conn, "alice"))["id"], tags=("news",))

    assert (await ask(http, None, "{ tags { name } }"))["data"] == {"tags": [{"name": "news"}]}
    body = await ask(http, "Bearer not.a.jwt", "{ tags { name } }")

    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_a_bad_token_stops_a_mutation_before_it_writes(http, conn):
    mutation = """
    mutation {
      register(input: {username: "mallory", email: "m@example.com", password: "long enough"}) { token }
    }
    """

    body = await ask(http, "Bearer not.a.jwt", mutation)

    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


# --- signing_secret ------------------------------------------------------------------------------------


@pytest.fixture
def no_secret_in_environment(monkeypatch):
    for name in ("JWT_SECRET", "ENVIRONMENT", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_production_without_a_secret_refuses_to_start(tmp_path, no_secret_in_environment):
    settings = Settings(environment="production", data_dir=tmp_path, jwt_secret=None)

    with pytest.raises(SecretMissing):
        signing_secret(settings)
    assert not (tmp_path / "jwt_secret").exists()


def test_production_with_a_secret_uses_it(tmp_path, no_secret_in_environment):
    secret = "s" * MIN_SECRET_BYTES
    settings = Settings(environment="production", data_dir=tmp_path, jwt_secret=secret)

    assert signing_secret(settings) == secret.encode()
    assert not (tmp_path / "jwt_secret").exists()


@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_secret_shorter_than_32_bytes_is_refused(tmp_path, no_secret_in_environment, environment):
    settings = Settings(environment=environment, data_dir=tmp_path, jwt_secret="s" * (MIN_SECRET_BYTES - 1))

    with pytest.raises(SecretMissing):
        signing_secret(settings)


def test_the_secret_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("JWT_SECRET", "e" * 40)
    monkeypatch.setenv("ENVIRONMENT", "production")

    assert signing_secret(Settings(data_dir=tmp_path)) == b"e" * 40


def test_development_without_a_secret_creates_one_under_data_dir_once(tmp_path, no_secret_in_environment):
    data_dir = tmp_path / "not" / "yet" / "there"
    settings = Settings(environment="development", data_dir=data_dir, jwt_secret=None)

    first = signing_secret(settings)

    path = data_dir / "jwt_secret"
    assert path.is_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= MIN_SECRET_BYTES
    written = path.read_bytes()

    second = signing_secret(Settings(environment="development", data_dir=data_dir, jwt_secret=None))

    assert second == first
    assert path.read_bytes() == written


def test_development_secrets_differ_between_data_dirs(tmp_path, no_secret_in_environment):
    one = signing_secret(Settings(environment="development", data_dir=tmp_path / "one", jwt_secret=None))
    two = signing_secret(Settings(environment="development", data_dir=tmp_path / "two", jwt_secret=None))

    assert one != two


def test_a_token_signed_with_the_development_secret_decodes_with_it(tmp_path, no_secret_in_environment):
    settings = Settings(environment="development", data_dir=tmp_path, jwt_secret=None)
    tokens = Tokens(signing_secret(settings), 60)

    claims = Tokens(signing_secret(settings), 60).decode(tokens.issue(7, 3))

    assert (claims.user_id, claims.version) == (7, 3)


def test_a_token_checked_once_is_refused_when_it_expires_and_a_changed_byte_is_checked_again(monkeypatch):
    tokens = Tokens(b"k" * MIN_SECRET_BYTES, 60)
    token = tokens.issue(7, 3)
    assert tokens.decode(token) == tokens.decode(token)
    assert tokens.decode(token).user_id == 7

    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(Unauthenticated, match="invalid"):
        tokens.decode(forged)

    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.decode(token)
