"""Allow-list mode: only operations registered ahead of time from a client manifest run."""

import asyncio
import hashlib
import json

import httpx
import pytest
from asgi_lifespan import LifespanManager

from graph.__main__ import main
from graph.app import create_app
from graph.http.manifests import ManifestError, operations

QUERY = "query Tags { tags { name } }"
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()


def test_both_manifest_formats_are_read_and_hashes_checked():
    apollo = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": DIGEST, "body": QUERY}]}
    assert operations(apollo) == [(DIGEST, QUERY)]
    assert operations({DIGEST: QUERY}) == [(DIGEST, QUERY)]
    assert operations({f"sha256:{DIGEST}": QUERY}) == [(DIGEST, QUERY)]
    with pytest.raises(ManifestError):
        operations({"0" * 64: QUERY})
    with pytest.raises(ManifestError):
        operations({f"sha256:{'0' * 64}": QUERY})


async def test_registered_operations_run_and_others_are_not_allowed(settings, tmp_path, conn, monkeypatch):
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({DIGEST: QUERY}))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    # The CLI runs its own event loop, so it runs in a thread here.
    assert await asyncio.to_thread(main, ["register-operations", str(manifest)]) == 0
    assert await conn.fetchval("SELECT registered FROM persisted_queries WHERE sha256 = $1", DIGEST)

    app = create_app(settings.model_copy(update={"persisted_queries": "allowlist"}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}
            allowed = await client.post("/graphql", json={"extensions": extensions})
            assert allowed.json() == {"data": {"tags": []}}

            other = "{ users { totalCount } }"
            for payload in (
                {"query": other},
                {
                    "query": other,
                    "extensions": {
                        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(other.encode()).hexdigest()}
                    },
                },
            ):
                refused = await client.post("/graphql", json=payload)
                assert refused.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
