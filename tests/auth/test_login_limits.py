"""Login limits: per account and address, per address, a growing delay per account, per-address registration.

All in PostgreSQL, so across processes (tests/cli/test_processes.py). The policy is
graph/auth/login_limits.py's docstring and docs/security.md's "Login attempts".
"""

import asyncio
import time

import pytest

from graph.auth.login_limits import account_address_bucket, account_bucket, address_bucket, registration_bucket
from graph.http.client_address import forwarded_client
from tests import factories
from tests.apps import client_with

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } }
}
"""
REGISTER = """
mutation($username: String!) {
  register(input: {username: $username, email: "${username}@example.com", password: "long enough password"}) {
    token errors { code }
  }
}
"""
# Behind a trusted proxy (the in-process client is 127.0.0.1), X-Forwarded-For picks the address.
PROXIED = {"trusted_proxies": "127.0.0.1"}


def login_body(email: str, password: str = "wrong password") -> dict:
    return {"query": LOGIN, "variables": {"email": email, "password": password}}


def outcome(body: dict) -> str:
    """BAD_CREDENTIALS, OK or the top-level error code."""
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"]
    payload = body["data"]["login"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def attempt(client, email: str, password: str = "wrong password", address: str | None = None) -> dict:
    headers = {"x-forwarded-for": address} if address else {}
    return (await client.post("/graphql", json=login_body(email, password), headers=headers)).json()


async def attempts(conn, bucket: str) -> int | None:
    return await conn.fetchval("SELECT attempts FROM login_attempts WHERE bucket = $1", bucket)


async def test_the_owner_logs_in_within_seconds_after_fifty_wrong_attempts_from_elsewhere(settings, conn):
    await factories.user(conn, "alice")
    limits = {
        **PROXIED,
        "login_attempts_per_account_address": 5,
        "login_attempts_per_account": 10,
        "login_delay_seconds": 0.5,
        "login_max_delay_seconds": 2,
    }
    async with client_with(settings, **limits) as client:
        # From one address: its pair is stopped after five, with the window's wait, even with the right password.
        one_address = [outcome(await attempt(client, "alice@example.com", address="203.0.113.1")) for _ in range(25)]
        pair_refusal = await attempt(client, "alice@example.com", factories.PASSWORD, address="203.0.113.1")
        # From 25 more addresses, as fast as it can: the account's delay refuses most of them unchecked.
        many = [
            outcome(await attempt(client, "alice@example.com", address=f"198.51.100.{number}")) for number in range(25)
        ]
        started = time.monotonic()
        owner = await attempt(client, "alice@example.com", factories.PASSWORD, address="192.0.2.7")
        if outcome(owner) == "RATE_LIMITED":
            wait = owner["errors"][0]["extensions"]["retryAfter"]
            assert wait <= 2
            await asyncio.sleep(wait)
            owner = await attempt(client, "alice@example.com", factories.PASSWORD, address="192.0.2.7")
        waited = time.monotonic() - started

    assert one_address == ["BAD_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 20
    assert outcome(pair_refusal) == "RATE_LIMITED"
    assert 800 < pair_refusal["errors"][0]["extensions"]["retryAfter"] <= 900
    assert many[:5] == ["BAD_CREDENTIALS"] * 5  # the account's ten free attempts, five used from 203.0.113.1
    assert many.count("BAD_CREDENTIALS") < 10  # then the delay: a try per 0.5-2 s, not one per request
    assert outcome(owner) == "OK"
    assert waited < 3
    assert await attempts(conn, account_address_bucket("alice@example.com", "203.0.113.1")) == 5


async def test_the_delay_doubles_up_to_its_cap_and_refused_attempts_count_nowhere(settings, conn):
    limits = {"login_attempts_per_account": 2, "login_delay_seconds": 10, "login_max_delay_seconds": 40}
    bucket = account_bucket("alice@example.com")
    waits = []
    async with client_with(settings, **limits, login_attempts_per_account_address=100) as client:
        assert [outcome(await attempt(client, "alice@example.com")) for _ in range(2)] == ["BAD_CREDENTIALS"] * 2
        for _ in range(4):
            refused = await attempt(client, "alice@example.com")
            assert outcome(refused) == "RATE_LIMITED"
            assert outcome(await attempt(client, "alice@example.com", factories.PASSWORD)) == "RATE_LIMITED"
            waits.append(refused["errors"][0]["extensions"]["retryAfter"])
            # As if the wait had passed: the next attempt is checked again.
            await conn.execute(
                "UPDATE login_attempts SET last_attempt_at = last_attempt_at - make_interval(secs => $2) "
                "WHERE bucket = $1",
                bucket,
                float(waits[-1]),
            )
            assert outcome(await attempt(client, "alice@example.com")) == "BAD_CREDENTIALS"
    assert waits == [10, 20, 40, 40]
    assert await attempts(conn, bucket) == 6  # 2 free + 4 after waiting; the 8 refused are not counted


async def test_the_account_is_matched_however_the_email_is_written(settings, conn):
    async with client_with(settings, login_attempts_per_account=2, login_delay_seconds=60) as client:
        for email in ("Alice@Example.com", " alice@example.com", "ALICE@EXAMPLE.COM"):
            last = await attempt(client, email)
    assert outcome(last) == "RATE_LIMITED"


async def test_a_successful_login_clears_that_accounts_count_for_that_address(settings, conn):
    await factories.user(conn, "alice")
    async with client_with(settings, **PROXIED, login_attempts_per_account_address=3) as client:
        for address in ("203.0.113.1", "203.0.113.1", "203.0.113.2"):
            await attempt(client, "alice@example.com", address=address)
        signed_in = await attempt(client, "alice@example.com", factories.PASSWORD, address="203.0.113.1")
        assert outcome(signed_in) == "OK"
        assert await attempts(conn, account_address_bucket("alice@example.com", "203.0.113.1")) is None
        assert await attempts(conn, account_address_bucket("alice@example.com", "203.0.113.2")) == 1
        assert await attempts(conn, address_bucket("203.0.113.1")) == 3
        again = [outcome(await attempt(client, "alice@example.com", address="203.0.113.1")) for _ in range(4)]
    assert again == ["BAD_CREDENTIALS"] * 3 + ["RATE_LIMITED"]


async def test_one_address_trying_many_accounts_is_rate_limited(settings, conn):
    async with client_with(settings, login_attempts_per_address=3) as client:
        outcomes = [outcome(await attempt(client, f"user{i}@example.com")) for i in range(4)]
    assert outcomes == ["BAD_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
    assert await attempts(conn, address_bucket("127.0.0.1")) == 3  # the refused fourth is not counted


async def test_every_alias_is_an_attempt(settings, conn):
    fields = " ".join(
        f'a{i}: login(input: {{email: "alice@example.com", password: "p{i}"}}) {{ token }}' for i in range(5)
    )
    async with client_with(settings, login_attempts_per_account_address=3) as client:
        body = (await client.post("/graphql", json={"query": f"mutation {{ {fields} }}"})).json()
    # Mutation fields run one after another; the refused fourth nulls the (non-null) result, so the fifth never runs.
    assert [error["extensions"]["code"] for error in body["errors"]] == ["RATE_LIMITED"]
    assert body["errors"][0]["path"] == ["a3"]
    assert await attempts(conn, account_address_bucket("alice@example.com", "127.0.0.1")) == 3


async def test_every_operation_of_a_batch_is_an_attempt(settings, conn):
    async with client_with(settings, batching=True, login_attempts_per_account_address=3) as client:
        bodies = (await client.post("/graphql", json=[login_body("alice@example.com")] * 5)).json()
    assert [outcome(body) for body in bodies] == ["BAD_CREDENTIALS"] * 3 + ["RATE_LIMITED"] * 2


@pytest.mark.parametrize(
    "limits",
    [
        {"login_attempts_per_account_address": 5},
        {"login_attempts_per_account": 5, "login_delay_seconds": 60},
        {"login_attempts_per_address": 5},
    ],
)
async def test_concurrent_attempts_never_exceed_a_limit(settings, conn, limits):
    async with client_with(settings, **limits) as client:
        responses = await asyncio.gather(*(attempt(client, "alice@example.com") for _ in range(20)))
    assert sorted(outcome(response) for response in responses) == ["BAD_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 15


async def test_a_new_window_starts_after_the_old_one_ends(settings, conn):
    bucket = account_address_bucket("alice@example.com", "127.0.0.1")
    async with client_with(settings, login_attempts_per_account_address=1, login_attempt_window_seconds=60) as client:
        await attempt(client, "alice@example.com")
        refused = await attempt(client, "alice@example.com")
        assert outcome(refused) == "RATE_LIMITED"
        assert 55 <= refused["errors"][0]["extensions"]["retryAfter"] <= 60
        await conn.execute("UPDATE login_attempts SET expires_at = now() - interval '1 s' WHERE bucket = $1", bucket)
        assert outcome(await attempt(client, "alice@example.com")) == "BAD_CREDENTIALS"
    assert await attempts(conn, bucket) == 1


async def test_registration_is_limited_per_address(settings, conn):
    async def register(client, username: str, address: str) -> str:
        body = {"query": REGISTER.replace("${username}", username), "variables": {"username": username}}
        answer = (await client.post("/graphql", json=body, headers={"x-forwarded-for": address})).json()
        return answer["errors"][0]["extensions"]["code"] if answer.get("errors") else "OK"

    async with client_with(settings, **PROXIED, registrations_per_address=3) as client:
        outcomes = [await register(client, f"user{number}", "203.0.113.1") for number in range(5)]
        elsewhere = await register(client, "user9", "203.0.113.2")
        refused = (
            await client.post(
                "/graphql",
                json={"query": REGISTER.replace("${username}", "user8"), "variables": {"username": "user8"}},
                headers={"x-forwarded-for": "203.0.113.1"},
            )
        ).json()
    assert outcomes == ["OK"] * 3 + ["RATE_LIMITED"] * 2
    assert elsewhere == "OK"
    assert 3500 < refused["errors"][0]["extensions"]["retryAfter"] <= 3600
    assert await conn.fetchval("SELECT count(*) FROM users") == 4
    assert await attempts(conn, registration_bucket("203.0.113.1")) == 3


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(settings, conn):
    forwarded = {"x-forwarded-for": "198.51.100.7, 203.0.113.5"}
    async with client_with(settings) as client:
        await client.post("/graphql", json=login_body("a@example.com"), headers=forwarded)
    async with client_with(settings, **PROXIED) as client:
        await client.post("/graphql", json=login_body("b@example.com"), headers=forwarded)

    buckets = {row["bucket"] for row in await conn.fetch("SELECT bucket FROM login_attempts")}
    assert address_bucket("127.0.0.1") in buckets
    assert address_bucket("203.0.113.5") in buckets
    assert address_bucket("198.51.100.7") not in buckets  # written by the client, so never believed


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("10.0.0.2", "1.2.3.4", "", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.5, 10.0.0.9", "10.0.0.0/8", "10.0.0.5"),
        ("192.0.2.1", "1.2.3.4", "10.0.0.0/8", "192.0.2.1"),
        ("::1", "2001:db8::1", "::1", "2001:db8::1"),
        ("10.0.0.2", "garbage, 1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
        # Unparsable: the walk stops at the last address reached, never taking the garbage.
        ("10.0.0.2", "evil-not-an-ip", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4, evil, 10.0.0.9", "10.0.0.0/8", "10.0.0.9"),
        ("10.0.0.2", "1.2.3.4:5678", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", " , 1.2.3.4 ,", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.2", "2001:DB8::0001", "10.0.0.0/8", "2001:db8::1"),  # normalized, one bucket per address
        ("10.0.0.2", "1.2.3.4", "", "10.0.0.2"),
    ],
)
def test_client_address_reads_forwarded_for_from_the_right_past_trusted_proxies(peer, forwarded, trusted, expected):
    assert forwarded_client(peer, forwarded or "", trusted) == expected
