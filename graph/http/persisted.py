"""Automatic persisted queries (Apollo's and urql's protocol) and allow-list mode.

Documents live in PostgreSQL so every server process shares them, and in a
bounded in-process cache after the first hit.
"""

import hashlib
from typing import Any

from db import persisted_queries
from db.pool import Database
from graph.http.params import Params, RequestError

CACHE_SIZE = 2048


class PersistedQueryError(Exception):
    """Answered as a GraphQL error with this code (status 200: clients retry on it)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, db: Database, mode: str) -> None:
        self.db = db
        self.mode = mode
        self._cache: dict[str, tuple[str, bool]] = {}

    async def resolve(self, params: Params) -> str | None:
        """The query text to run; the persisted-query extension checked and stored."""
        extension: Any = params.extensions.get("persistedQuery")
        if extension is None:
            if self.mode == "allowlist":
                raise PersistedQueryError("Only registered operations run here.", "OPERATION_NOT_ALLOWED")
            return params.query
        if self.mode == "off":
            raise PersistedQueryError("Persisted queries are not supported.", "PERSISTED_QUERY_NOT_SUPPORTED")
        if not isinstance(extension, dict) or extension.get("version") != 1:
            raise RequestError("`extensions.persistedQuery` must have version 1.", code="BAD_USER_INPUT")
        digest = extension.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) != 64:
            raise RequestError("`persistedQuery.sha256Hash` must be a sha256 hex digest.", code="BAD_USER_INPUT")
        digest = digest.lower()
        stored = await self._lookup(digest)
        if self.mode == "allowlist":
            if stored is None or not stored[1]:
                raise PersistedQueryError("This operation is not on the allow-list.", "OPERATION_NOT_ALLOWED")
            return stored[0]
        if params.query is None:
            if stored is None:
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return stored[0]
        if sha256_hex(params.query) != digest:
            raise RequestError("The sha256Hash does not match the query.", code="BAD_USER_INPUT")
        if stored is None:
            await persisted_queries.store(self.db, digest, params.query)
            self._remember(digest, (params.query, False))
        return params.query

    async def _lookup(self, digest: str) -> tuple[str, bool] | None:
        found = self._cache.get(digest)
        if found is None:
            found = await persisted_queries.query_by_hash(self.db, digest)
            if found is not None:
                self._remember(digest, found)
        return found

    def _remember(self, digest: str, entry: tuple[str, bool]) -> None:
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[digest] = entry
