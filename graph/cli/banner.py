"""What `start` prints once the server listens: where it is, a request to paste, an account, how to stop."""

import socket

import uvicorn

from graph.auth.passwords import DEMO_PASSWORD
from graph.settings import Settings

# --data-urlencode, not the query in the URL: curl reads {} in a URL as a glob.
EXAMPLE_QUERY = "{tags(first:5){name}}"


def base_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches a server listening on `host`."""
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def banner(settings: Settings, host: str, port: int, demo_email: str | None) -> str:
    endpoint = f"{base_url(host, port)}/graphql"
    lines = [
        "",
        f"Conduit GraphQL is up on {endpoint}",
        f"  GraphiQL:  open {endpoint} in a browser"
        if settings.graphiql_enabled
        else f"  GraphQL:   POST to {endpoint} (GraphiQL is off: GRAPHIQL=true turns it on)",
        f"  Try:       curl --get --data-urlencode 'query={EXAMPLE_QUERY}' {endpoint}",
        f"  Sign in:   {demo_email} / {DEMO_PASSWORD} (the first demo user; mutation login)"
        if demo_email
        else "  Sign up:   mutation register (no demo users in this database)",
        "  Stop:      Ctrl-C",
        "",
    ]
    return "\n".join(lines)


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints the banner once its socket listens, not before."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.announcement, flush=True)
