"""Cross-site request prevention: Apollo Server's `csrfPrevention` rule, for POST only by default.

A browser sends a cross-origin request without a CORS preflight only when
it is "simple": GET or POST, no custom headers, and a Content-Type of
`text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`
(or none). Such a request reaches the server whatever the CORS policy says.

Authentication here is a bearer `Authorization` header only, never a
cookie, and a browser never adds that header on its own: a simple
cross-site request always arrives signed out. What it can still do differs
by method. A simple POST can run a mutation (register, or a login that
counts an attempt against someone's account), so a POST passes only when
its Content-Type parses and is not one of the three, or when it carries a
non-empty `x-apollo-operation-name` or `apollo-require-preflight` header
(configurable); otherwise it is refused with 400 before anything runs.
A GET only ever runs a query (a mutation over GET is 405), signed out it
reads public data only, and the CORS policy keeps the response from the
page that sent it; so a GET needs no header, and the clients that send
queries as GET at their defaults (urql, curl, a CDN in front) just work.

Apollo Server applies the rule to GET too; `CSRF_PREVENTION_GET` does the
same here, for a deployment that puts cookie authentication in front.

Since Apollo Server 5.5, a GET with a Content-Type other than
`application/json` is 415 (GHSA-9q82-xgwf-vj6h); mirrored as well.
"""

import re

from graph.http.headers import Headers
from graph.http.params import RequestError

NON_PREFLIGHTED_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_ESSENCE = re.compile(rf"^({_TOKEN})/({_TOKEN})$")


def media_type_essence(content_type: str) -> str | None:
    """`type/subtype` in lower case, as the WHATWG MIME sniffing parser gives it; None when it does not parse."""
    essence = content_type.split(";", 1)[0].strip(" \t\r\n").lower()
    return essence if _ESSENCE.match(essence) else None


def check_csrf(headers: Headers, preflight_headers: tuple[str, ...]) -> None:
    """Refuse a request a browser could have sent cross-origin without a preflight."""
    content_type = headers.get("content-type")
    if content_type is not None:
        essence = media_type_essence(content_type)
        if essence is None or essence not in NON_PREFLIGHTED_CONTENT_TYPES:
            return
    if any(headers.get(name) for name in preflight_headers):
        return
    raise RequestError(
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify "
        f"a 'content-type' header (with a type that is not one of {', '.join(NON_PREFLIGHTED_CONTENT_TYPES)}) or "
        f"provide a non-empty value for one of the following headers: {', '.join(preflight_headers)}"
    )


def check_get_content_type(headers: Headers) -> None:
    """A GET carries no body; a Content-Type on it may only be JSON (Apollo Server 5.5)."""
    content_type = headers.get("content-type")
    if content_type is not None and media_type_essence(content_type) != "application/json":
        raise RequestError("A GET request may only carry `Content-Type: application/json`.", status=415)
