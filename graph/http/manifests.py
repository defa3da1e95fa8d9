"""Reading client operation manifests for allow-list mode.

Two formats: Apollo's persisted-query manifest
(`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}]}`)
and GraphQL Code Generator's persisted documents (`{"sha256:<hex>": "<document>"}`;
the `sha256:` prefix is the GraphQL-over-HTTP document identifier that the
client preset writes by default, older versions wrote the bare hex).
Every hash is checked against its document (sha256, as both tools use).
"""

from typing import Any

from graph.http.persisted import sha256_hex

SHA256_PREFIX = "sha256:"


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
    checked = []
    for identifier, document in pairs:
        if not isinstance(identifier, str) or not isinstance(document, str):
            raise ManifestError("Every operation needs a string hash and a string document.")
        digest = identifier.lower().removeprefix(SHA256_PREFIX)
        if sha256_hex(document) != digest:
            raise ManifestError(f"The hash {identifier} does not match its document.")
        checked.append((digest, document))
    return checked
