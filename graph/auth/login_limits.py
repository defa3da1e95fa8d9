"""Brute-force protection for `login` and `register`, without handing attackers a lockout.

Every `login` attempt is checked against three buckets before the password is
(docs/security.md, "Login attempts"):

- the account from this address (`LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS` per
  window): whoever guesses from one address is stopped there, for the window;
- the address (`LOGIN_ATTEMPTS_PER_ADDRESS` per window), whatever the email;
- the account from anywhere: after `LOGIN_ATTEMPTS_PER_ACCOUNT` attempts,
  each further one must come `LOGIN_DELAY_SECONDS` (doubling, at most
  `LOGIN_MAX_DELAY_SECONDS`) after the last. Guessing from many addresses is
  slowed to one try per delay, while the owner waits seconds, never a window:
  an attempt that comes too early is refused and counts nowhere, so it cannot
  push the next chance further away.

A refused attempt costs one statement and no argon2 work, and answers
`RATE_LIMITED` with `extensions.retryAfter`. Every `login` field counts, so
fifty aliases in one document or ten operations in one batch are fifty or ten
attempts. A successful login clears that account's count for that address.
`register` is limited per address (`REGISTRATIONS_PER_ADDRESS` per
`REGISTRATION_WINDOW_SECONDS`): each one costs an argon2 hash. Counts live in
PostgreSQL (db/login_attempts.py), so the limits hold across processes.
"""

import hashlib
from itertools import count

from db import login_attempts
from db.login_attempts import Delay, Window
from graph.auth.viewer import Requester
from graph.errors import CodedError

# Expired buckets are deleted every this many attempts of a process (one cheap indexed DELETE).
CLEANUP_EVERY = 100
_attempts = count(1)


class RateLimited(CodedError):
    code = "RATE_LIMITED"


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def account_bucket(email: str) -> str:
    return "email:" + _email_hash(email)


def account_address_bucket(email: str, address: str) -> str:
    return "email-address:" + _email_hash(email) + ":" + address[:100]


def address_bucket(address: str) -> str:
    return "address:" + address[:100]


def registration_bucket(address: str) -> str:
    return "register:" + address[:100]


async def _count(context: Requester, windows: list[Window], delay: Delay | None, what: str) -> None:
    wait = await login_attempts.count_attempt(context.db, windows, delay)
    if next(_attempts) % CLEANUP_EVERY == 0:
        await login_attempts.forget_expired(context.db)
    if wait:
        raise RateLimited(f"Too many {what}; try again in {wait} seconds.", retryAfter=wait)


async def count_login_attempt(context: Requester, email: str) -> None:
    """Count this attempt; RATE_LIMITED (nothing counted) when a bucket says wait."""
    settings = context.settings
    window = settings.login_attempt_window_seconds
    windows = []
    if context.client_address:
        address = context.client_address
        per_pair = settings.login_attempts_per_account_address
        windows.append(Window(account_address_bucket(email, address), per_pair, window))
        windows.append(Window(address_bucket(address), settings.login_attempts_per_address, window))
    delay = Delay(
        account_bucket(email),
        free=settings.login_attempts_per_account,
        first=settings.login_delay_seconds,
        most=settings.login_max_delay_seconds,
        forget=window,
    )
    await _count(context, windows, delay, "login attempts")


async def forget_account_attempts(context: Requester, email: str) -> None:
    """After a successful login: that account's count for this address starts afresh.

    The account's count from everywhere keeps running (the failures it counts
    may be someone else's), and so does the address's (one address must not
    try many accounts).
    """
    if context.client_address:
        await login_attempts.forget(context.db, account_address_bucket(email, context.client_address))


async def count_registration(context: Requester) -> None:
    """Count a `register` call of this address; RATE_LIMITED past REGISTRATIONS_PER_ADDRESS in the window."""
    if not context.client_address:
        return
    settings = context.settings
    windows = [
        Window(
            registration_bucket(context.client_address),
            settings.registrations_per_address,
            settings.registration_window_seconds,
        )
    ]
    await _count(context, windows, None, "registrations")
