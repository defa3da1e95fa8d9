"""The security headers of every response, as raw ASGI header tuples built once.

graph/http/edge.py adds them to each response as it starts, so no handler
sets them and no response is without them. A page that needs more than the
default Content-Security-Policy (the landing page, GraphiQL) sets its own
`content-security-policy` header from here; the edge then adds only the rest.
"""

import base64
import hashlib
import re
from functools import cache

Header = tuple[bytes, bytes]

CSP = b"content-security-policy"

# Every response. The API answers JSON, which no page should sniff into HTML,
# frame or learn the referring URL from.
COMMON: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
# Responses without a policy of their own: JSON, text, assets. Nothing may load or frame.
DEFAULT_CSP: Header = (CSP, b"default-src 'none'; frame-ancestors 'none'")

LANDING_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def hsts(max_age: int) -> Header:
    return (b"strict-transport-security", f"max-age={max_age}".encode())


def _source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def graphiql_csp(page: str) -> str:
    """The GraphiQL page's policy: scripts only its vendored files from this origin and its inline script by hash.

    The hash is computed from the page itself (graph/static/graphiql.html),
    so editing it cannot leave the policy behind. The JSON data block is not
    a script a browser runs, so it needs no hash. Styles need
    'unsafe-inline': GraphiQL's menus (Radix, through react-remove-scroll)
    insert a <style> element at run time with no way to give it a nonce from
    outside the bundle (Chromium refused it under a hash-only policy). Inline
    styles cannot run code; scripts stay hash- and origin-bound. GraphiQL
    fetches and opens its WebSocket on this origin ('self' covers ws: and wss:).
    """
    scripts = [_source_hash(body) for body in _INLINE_SCRIPT.findall(page)]
    return "; ".join(
        [
            "default-src 'none'",
            " ".join(["script-src 'self'", *scripts]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
