"""Login attempts are limited per account and per client address, in PostgreSQL, across processes."""

import asyncio

import pytest

from graph.client_address import forwarded_client
from graph.login_limits import account_bucket, address_bucket
from tests import factories
from tests.apps import client_with

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } }
}
"""


def login_body(email: str, password: str = "wrong password") -> dict:
    return {"query": LOGIN, "variables": {"email": email, "password": password}}


def outcome(body: dict) -> str:
    """BAD_CREDENTIALS, OK or the top-level error code."""
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"]
    payload = body["data"]["login"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def attempts(conn, bucket: str) -> int | None:
    return await conn.fetchval("SELECT attempts FROM login_attempts WHERE bucket = $1", bucket)


async def test_an_account_over_its_limit_is_rate_limited_even_with_the_right_password(settings, conn):
    await factories.user(conn, "alice")
    async with client_with(settings, login_attempts_per_account=3, login_attempt_window_seconds=600) as client:
        wrong = [
            outcome((await client.post("/graphql", json=login_body("alice@example.com"))).json()) for _ in range(3)
        ]
        refused = await client.post("/graphql", json=login_body("alice@example.com", factories.PASSWORD))
        other_account = await client.post("/graphql", json=login_body("bob@example.com"))

    assert wrong == ["BAD_CREDENTIALS"] * 3
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfter"] <= 600
    assert refused.headers["retry-after"] == str(error["extensions"]["retryAfter"])
    assert refused.status_code == 200
    assert outcome(other_account.json()) == "BAD_CREDENTIALS"
    assert await attempts(conn, account_bucket("alice@example.com")) == 4


async def test_the_account_is_matched_however_the_email_is_written(settings, conn):
    async with client_with(settings, login_attempts_per_account=2) as client:
        for email in ("Alice@Example.com", " alice@example.com", "ALICE@EXAMPLE.COM"):
            last = await client.post("/graphql", json=login_body(email))
    assert outcome(last.json()) == "RATE_LIMITED"


async def test_a_successful_login_clears_its_accounts_count(settings, conn):
    await factories.user(conn, "alice")
    async with client_with(settings, login_attempts_per_account=3) as client:
        for _ in range(2):
            await client.post("/graphql", json=login_body("alice@example.com"))
        signed_in = await client.post("/graphql", json=login_body("alice@example.com", factories.PASSWORD))
        assert outcome(signed_in.json()) == "OK"
        assert await attempts(conn, account_bucket("alice@example.com")) is None
        for _ in range(3):
            assert (
                outcome((await client.post("/graphql", json=login_body("alice@example.com"))).json())
                == "BAD_CREDENTIALS"
            )


async def test_one_address_trying_many_accounts_is_rate_limited(settings, conn):
    async with client_with(settings, login_attempts_per_address=3) as client:
        outcomes = [
            outcome((await client.post("/graphql", json=login_body(f"user{i}@example.com"))).json()) for i in range(4)
        ]
    assert outcomes == ["BAD_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
    assert await attempts(conn, address_bucket("127.0.0.1")) == 4


async def test_every_alias_is_an_attempt(settings, conn):
    fields = " ".join(
        f'a{i}: login(input: {{email: "alice@example.com", password: "p{i}"}}) {{ token }}' for i in range(5)
    )
    async with client_with(settings, login_attempts_per_account=3) as client:
        body = (await client.post("/graphql", json={"query": f"mutation {{ {fields} }}"})).json()
    # Mutation fields run one after another; the refused fourth nulls the (non-null) result, so the fifth never runs.
    assert [error["extensions"]["code"] for error in body["errors"]] == ["RATE_LIMITED"]
    assert body["errors"][0]["path"] == ["a3"]
    assert await attempts(conn, account_bucket("alice@example.com")) == 4


async def test_every_operation_of_a_batch_is_an_attempt(settings, conn):
    async with client_with(settings, batching=True, login_attempts_per_account=3) as client:
        bodies = (await client.post("/graphql", json=[login_body("alice@example.com")] * 5)).json()
    assert [outcome(body) for body in bodies] == ["BAD_CREDENTIALS"] * 3 + ["RATE_LIMITED"] * 2


async def test_concurrent_attempts_never_exceed_the_limit(settings, conn):
    async with client_with(settings, login_attempts_per_account=5) as client:
        responses = await asyncio.gather(
            *(client.post("/graphql", json=login_body("alice@example.com")) for _ in range(20))
        )
    outcomes = sorted(outcome(response.json()) for response in responses)
    assert outcomes == ["BAD_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 15


async def test_a_new_window_starts_after_the_old_one_ends(settings, conn):
    async with client_with(settings, login_attempts_per_account=1, login_attempt_window_seconds=60) as client:
        await client.post("/graphql", json=login_body("alice@example.com"))
        assert outcome((await client.post("/graphql", json=login_body("alice@example.com"))).json()) == "RATE_LIMITED"
        await conn.execute("UPDATE login_attempts SET window_started_at = now() - interval '61 seconds'")
        assert (
            outcome((await client.post("/graphql", json=login_body("alice@example.com"))).json()) == "BAD_CREDENTIALS"
        )
    assert await attempts(conn, account_bucket("alice@example.com")) == 1


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(settings, conn):
    forwarded = {"x-forwarded-for": "198.51.100.7, 203.0.113.5"}
    async with client_with(settings) as client:
        await client.post("/graphql", json=login_body("a@example.com"), headers=forwarded)
    async with client_with(settings, trusted_proxies="127.0.0.1") as client:
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
