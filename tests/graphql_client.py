"""A small GraphQL client over the test app, and the statement counter."""

from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: httpx.Headers = field(repr=False)

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]

    def ok(self) -> Any:
        assert not self.errors, self.errors
        return self.data


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **extra: Any
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            payload["variables"] = variables
        response = await self.http.post("/graphql", json=payload, headers=headers)
        return Response(response.status_code, response.json(), response.headers)


@dataclass
class Executed:
    data: Any
    errors: list[Any]
    statements: int


class Executor:
    """Runs an operation in-process with a context of its own, to count its SQL statements.

    With `planned` (a PlannedExecution), the operation goes as the HTTP
    endpoint sends it: the planner first, then the general path, which runs
    the payload statements the planner left for a mutation.
    """

    def __init__(self, db: Any, settings: Any, planned: Any = None) -> None:
        self.db = db
        self.settings = settings
        self.planned = planned

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, viewer_id: int | None = None):
        from graph.auth.passwords import Passwords
        from graph.auth.tokens import Tokens, signing_secret
        from graph.auth.viewer import ViewerIdentity
        from graph.schema.build import schema
        from graph.schema.context import Context

        viewer = ViewerIdentity(viewer_id) if viewer_id is not None else None
        tokens = Tokens(signing_secret(self.settings), self.settings.jwt_lifetime_seconds)
        context = Context(db=self.db, settings=self.settings, viewer=viewer, passwords=Passwords(), tokens=tokens)
        if self.planned is not None:
            from graph.planned.mutations import WithErrors

            data = await self.planned.answer(query, None, variables, context, writes=True)
            if isinstance(data, WithErrors):
                return Executed(orjson.loads(orjson.dumps(data.data)), data.errors, context.statements.value)
            if data is not None:
                return Executed(orjson.loads(orjson.dumps(data)), [], context.statements.value)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        # Planned payload objects are JSON text (orjson.Fragment) inside the data, as the endpoint sends them.
        data = result.data if self.planned is None else orjson.loads(orjson.dumps(result.data))
        return Executed(data, [error.formatted for error in result.errors or []], context.statements.value)
