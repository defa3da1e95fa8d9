"""The per-request context every resolver receives, and `Info`, the resolvers' view of it."""

from collections import Counter
from copy import copy
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from strawberry.fastapi import BaseContext

from db.pool import Database, StatementCount
from graph.auth.viewer import ViewerIdentity
from graph.errors import CodedError
from graph.limits.shape import Limits, limits_for
from graph.observability.request_ids import new_request_id
from graph.schema.loaders import Loaders
from graph.settings import Settings

if TYPE_CHECKING:
    from graph.auth.passwords import Passwords
    from graph.auth.tokens import Tokens
    from graph.realtime.hub import EventHub


class Context(BaseContext):
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        passwords: "Passwords | None" = None,
        tokens: "Tokens | None" = None,
        viewer: ViewerIdentity | None = None,
        auth_error: CodedError | None = None,
        request_id: str | None = None,
        client_address: str | None = None,
        events: "EventHub | None" = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self.tokens = tokens
        self.viewer = viewer
        # A bad token is an error for the whole operation, never a quiet
        # anonymous request; the ErrorCodes extension answers with it.
        self.auth_error = auth_error
        self.request_id = request_id or new_request_id()
        self.client_address = client_address  # for per-address limits (graph/http/client_address.py)
        self.events = events
        # The operation limits: the app's, built once at startup, or limits_for's fallback (graph/limits/shape.py).
        self.limits = limits_for(settings, limits)
        # Each loader is built on first use (graph/schema/loaders.py): the planned
        # path (graph/planned) answers most queries without any.
        self.loaders = Loaders(db, self.viewer_id)
        self.statements = StatementCount()
        # Which path answered (graph/observability/paths.py) and the operation's type: the
        # planner sets both when it answers, graph/schema/operation_state.py otherwise.
        self.answered_by: str | None = None
        self.operation_type: str | None = None
        # A WebSocket's: the replicas its queries read from, the WAL position they
        # must have replayed, and its mutations not yet past their commit's
        # position (graph/http/replica_routing.py). HTTP picks its pool before
        # the context exists.
        self.replicas: Any = None
        self.read_after: int | None = None
        self.writes_in_flight = 0
        # A subscription's events delivered, by the path that answered each (graph/schema/resolvers/subscription.py).
        self.events_by_path: Counter[str] = Counter()

    def for_operation(self) -> "Context":
        """One WebSocket operation's own context: the connection's viewer and services, its own loaders and counts.

        Strawberry hands every operation of a connection the one context it
        built for the connection; the path that answered, the statement count
        and the loaders' cache belong to one operation each, as on HTTP.
        """
        operation = copy(self)
        operation.loaders = Loaders(self.db, self.viewer_id)
        operation.statements = StatementCount()
        operation.answered_by = None
        operation.operation_type = None
        operation.events_by_path = Counter()
        return operation

    def prime_viewer(self, row: Any) -> None:
        """The viewer's user row, read while checking the token: it answers the first `user` load for them."""
        self.loaders.prime_user(row)

    def sign_in(self, viewer: ViewerIdentity | None) -> None:
        """Change who the viewer is (a WebSocket's connection_init names it after the handshake)."""
        self.viewer = viewer
        self.auth_error = None
        self.reset_loaders()

    def use_public_loaders(self, public: Loaders) -> None:
        """Fresh viewer loaders over shared viewer-independent ones (one event, many subscribers)."""
        self.loaders = Loaders(self.db, self.viewer_id, public=public)

    def reset_loaders(self) -> None:
        """After a write: nothing cached before it may answer a read after it."""
        self.loaders = Loaders(self.db, self.viewer_id)

    def hasher_and_tokens(self) -> "tuple[Passwords, Tokens]":
        """The lifespan's password hasher and token issuer; a Context built by hand (a planner test's) may lack them."""
        if self.passwords is None or self.tokens is None:
            raise RuntimeError("a Context without Passwords or Tokens: graph/http/request_context.py gives it both")
        return self.passwords, self.tokens

    @property
    def viewer_id(self) -> int | None:
        return self.viewer.user_id if self.viewer else None


# What every resolver takes instead of bare `strawberry.Info`, so that
# `info.context` is a Context to the type checker (the schema has no root value).
Info: TypeAlias = strawberry.Info[Context, None]
