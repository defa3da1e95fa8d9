"""Password hashing with argon2id, off the event loop and bounded.

Parameters are the OWASP minimum for argon2id (m=19 MiB, t=2, p=1): about
36 ms per verify on the 2-core machine this runs on, against ~200 ms for the
library default. Hashing is CPU-bound, so it runs in threads, at most
`concurrency` at a time, and a burst of logins queues instead of starving
every other request.
"""

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEMO_PASSWORD = "conduit-demo"

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password_sync(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("a password nobody has")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Passwords:
    """Created by the lifespan: its semaphore belongs to the serving event loop."""

    def __init__(self, concurrency: int = 2) -> None:
        self._slots = asyncio.Semaphore(concurrency)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(_HASHER.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (unknown user) spend the same time and fail."""
        async with self._slots:
            if password_hash is None:
                await asyncio.to_thread(_verify, _dummy_hash(), password)
                return False
            return await asyncio.to_thread(_verify, password_hash, password)

    @staticmethod
    def needs_rehash(password_hash: str) -> bool:
        return _HASHER.check_needs_rehash(password_hash)
