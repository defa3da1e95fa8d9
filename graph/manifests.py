"""Reading client operation manifests for allow-list mode.

Two formats: Apollo's persisted-query manifest
(`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}]}`)
and GraphQL Code Generator's persisted documents (`{"<sha256>": "<document>"}`).
Every hash is checked against its document (sha256, as both tools use).
"""

from typing import Any

from graph.http.persisted import sha256_hex


class ManifestError(ValueError):
    pass


def operations(manifest: Any) -> list[tuple[str, str]]:
    """(sha256, document) pairs of a manifest in either format."""
    if isinstance(manifest, dict) and manifest.get("format") == "apollo-persisted-query-manifest":
        pairs = [(entry.get("id"), entry.get("body")) for entry in manifest.get("operations", [])]
    elif isinstance(manifest, dict):
        pairs = list(manifest.items())
    else:
        raise ManifestError("A manifest is a JSON object.")
    for digest, document in pairs:
        if not isinstance(digest, str) or not isinstance(document, str):
            raise ManifestError("Every operation needs a string hash and a string document.")
        if sha256_hex(document) != digest.lower():
            raise ManifestError(f"The hash {digest} does not match its document.")
    return [(digest.lower(), document) for digest, document in pairs]
