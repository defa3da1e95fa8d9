"""Brute-force protection for `login`: attempts per account and per client address.

Every `login` field counts, so fifty aliases in one document or ten
operations in one batch are fifty or ten attempts. Counts live in
PostgreSQL (db/login_attempts.py), so the limits hold across server
processes. An attempt is counted before the password is verified: once a
bucket is over its limit, further attempts cost one statement and no argon2
work, and answer `RATE_LIMITED` with `extensions.retryAfter` (seconds until
the window ends). A successful login clears its account's bucket (a user who
finally remembers the password starts afresh); the address bucket keeps
counting, so one address cannot try many accounts.
"""

import hashlib
from itertools import count

from db import login_attempts
from graph.context import Context
from graph.errors import CodedError

# Expired buckets are deleted every this many attempts of a process (one cheap indexed DELETE).
CLEANUP_EVERY = 100
_attempts = count(1)


class RateLimited(CodedError):
    code = "RATE_LIMITED"


def account_bucket(email: str) -> str:
    return "email:" + hashlib.sha256(email.encode()).hexdigest()


def address_bucket(address: str) -> str:
    return "address:" + address[:100]


async def count_login_attempt(context: Context, email: str) -> None:
    """Count this attempt; RATE_LIMITED when the account or the address is over its limit."""
    settings = context.settings
    limits = {account_bucket(email): settings.login_attempts_per_account}
    if context.client_address:
        limits[address_bucket(context.client_address)] = settings.login_attempts_per_address
    window = settings.login_attempt_window_seconds
    counts = await login_attempts.count_attempt(context.db, list(limits), window)
    if next(_attempts) % CLEANUP_EVERY == 0:
        await login_attempts.forget_expired(context.db, window)
    waits = [retry_after for bucket, (attempts, retry_after) in counts.items() if attempts > limits[bucket]]
    if waits:
        wait = max(waits)
        raise RateLimited(f"Too many login attempts; try again in {wait} seconds.", retryAfter=wait)


async def forget_account_attempts(context: Context, email: str) -> None:
    await login_attempts.forget(context.db, account_bucket(email))
