"""The ASGI edge: size limits on every request, security headers on every response.

It runs first, before routing (graph/http/dispatch.py calls it), so no
handler can read an oversized body or answer without the headers.

- Headers: their total size (names and values, as the server parsed them)
  over MAX_HEADER_BYTES is 431 before anything else runs (httptools has no
  limit of its own: a 1 MB header reached the app). A WebSocket handshake
  with oversized headers is refused (403).
- Body: a Content-Length over MAX_REQUEST_BYTES is 413 before a byte of the
  body is read. Without one (chunked), the body is counted while it streams,
  and the first chunk past the limit ends the request with 413: the server
  never holds more than the limit. A Content-Length within the limit needs no
  counting: the server never passes on more than it announced.
- Responses get graph/http/security_headers.py's headers, precomputed, as
  they start; HSTS too in production when the request came over HTTPS (by
  X-Forwarded-Proto only from TRUSTED_PROXIES).

Both refusals are GraphQL-shaped (`PAYLOAD_TOO_LARGE`, `HEADERS_TOO_LARGE`),
under /api RealWorld-shaped (`{"errors": {"body": [...]}}`, graph/rest), and
close the connection, since the rest of an unread body would otherwise have
to be read or skipped.
"""

from itertools import chain
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.http.client_address import forwarded_scheme
from graph.http.headers import first_values
from graph.http.responses import error_body, negotiate
from graph.http.security_headers import COMMON, CSP, DEFAULT_CSP, Header, hsts
from graph.settings import Settings


class BodyTooLarge(Exception):
    """Raised into the app by `receive` once a streamed body passes the limit."""


class Edge:
    def __init__(self, settings: Settings, *, rest_prefix: str | None = None) -> None:
        """`rest_prefix`: where the REST API lives (graph/app.py passes it); its refusals get its error body."""
        self.rest_prefix = rest_prefix
        self.max_body = settings.max_request_bytes
        self.max_headers = settings.max_header_bytes
        self.trusted_proxies = settings.trusted_proxies
        production = settings.environment == "production" and settings.hsts_max_age > 0
        self.hsts = hsts(settings.hsts_max_age) if production else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        # C-level passes over the header list (this runs on every request; see
        # docs/benchmark.md): their total size, and a dict for two lookups.
        raw = scope["headers"]
        if sum(map(len, chain.from_iterable(raw))) > self.max_headers:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            message = f"The request's headers are larger than {self.max_headers} bytes."
            await self._refuse(scope, send, 431, message, "HEADERS_TOO_LARGE", maxBytes=self.max_headers)
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        named = dict(raw)
        content_length = named.get(b"content-length")
        if content_length is not None and (not content_length.isdigit() or int(content_length) > self.max_body):
            await self._refuse_body(scope, send)
            return
        extra = COMMON
        if self.hsts is not None and forwarded_scheme(scope, self.trusted_proxies) == "https":
            extra = (*COMMON, self.hsts)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                message["headers"] = [*headers, *extra] if CSP in dict(headers) else [*headers, *extra, DEFAULT_CSP]
            await send(message)

        # Without Content-Length or Transfer-Encoding a request has no body; with a
        # Content-Length the server passes on no more than it announced.
        if content_length is not None or b"transfer-encoding" not in named:
            await app(scope, receive, send_with_headers)
            return
        await self._counted(scope, receive, send, send_with_headers, app)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, send_with_headers: Send, app: ASGIApp) -> None:
        """A body of unknown length: counted as it arrives; past the limit, 413 instead of the app's answer."""
        received = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # the app's answer to BodyTooLarge (ServerErrorMiddleware's 500): ours replaces it
            started = True
            await send_with_headers(message)

        try:
            await app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await self._refuse_body(scope, send)

    async def _refuse_body(self, scope: Scope, send: Send) -> None:
        message = f"The request body is larger than {self.max_body} bytes."
        await self._refuse(scope, send, 413, message, "PAYLOAD_TOO_LARGE", maxBytes=self.max_body)

    def _is_rest(self, path: str) -> bool:
        prefix = self.rest_prefix
        return prefix is not None and (path == prefix or path.startswith(prefix + "/"))

    async def _refuse(self, scope: Scope, send: Send, status: int, message: str, code: str, **extensions: Any) -> None:
        if self._is_rest(scope.get("path", "")):
            body, media_type = orjson.dumps({"errors": {"body": [message]}}), "application/json"
        else:
            body = orjson.dumps(error_body(message, code, **extensions))
            media_type = negotiate(first_values(scope).get("accept", ""))
        headers: list[Header] = [
            (b"content-type", media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *COMMON,
            DEFAULT_CSP,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
