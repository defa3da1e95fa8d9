"""Which browser origins may call the API (CORS) and open its WebSocket: one list for both."""

import re

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from graph.settings import Settings

# In development any page served from this machine may call the API, whatever
# its port (Vite, Next, Storybook...); production allows only what is listed.
LOCALHOST = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?"

# What Apollo Client, urql and GraphiQL send beyond the CORS-safelisted headers.
ALLOWED_HEADERS = [
    "authorization",
    "content-type",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
    "x-request-id",
]


class OriginPolicy:
    def __init__(self, settings: Settings) -> None:
        self.origins = frozenset(origin.rstrip("/").lower() for origin in settings.allowed_origins)
        self.allow_any = "*" in self.origins
        self.localhost_pattern = LOCALHOST if settings.environment == "development" else None

    def allows(self, origin: str) -> bool:
        origin = origin.rstrip("/").lower()
        if self.allow_any or origin in self.origins:
            return True
        return self.localhost_pattern is not None and re.fullmatch(self.localhost_pattern, origin) is not None

    def cors_middleware(self) -> Middleware:
        return Middleware(
            CORSMiddleware,
            allow_origins=sorted(self.origins),
            allow_origin_regex=self.localhost_pattern,
            allow_methods=["GET", "POST", "PUT", "DELETE"],  # PUT and DELETE: the REST API (graph/rest)
            allow_headers=ALLOWED_HEADERS,
            expose_headers=["etag", "retry-after"],
            max_age=600,
        )
