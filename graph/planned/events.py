"""Subscription events through the planner: each event's selection in one statement, shared by like subscribers.

A subscription's resolver (graph/schema/resolvers/subscription.py) still checks its
arguments and opens the event stream on the general path. What each event
delivers is a selection on the event's row (`commentAdded { id body author {
username } }` on the new comment): the problem a mutation payload's written
row poses (graph/planned/payloads.py), answered the same way, by one
statement graph/planned/json_sql.py compiles for the selection and keys by
the row's id, built once per plan.

Subscribers share it: the statement's text and parameters are everything
its answer depends on, and the viewer's id is among the parameters only when
the selection reads something of the viewer's (`viewerHasFavorited`,
`viewerIsFollowing`). So subscribers with the same document, operation and
variables whose selection does not depend on the viewer send the same text
with the same parameters: the first of the process to handle an event runs
it, and every other one is handed the same JSON text (the hub's `EventScope`
keeps it for that event). A viewer-dependent selection differs by the
viewer's id, and is shared only by subscribers signed in as the same user,
whose answers are the same.

An answered event skips graphql-core's per-event execution
(`PlannedEventExecutor`): its `data` is the JSON text, unparsed. What the
planner does not plan (a directive on the operation, a field the compiler
cannot say, an argument it refuses) leaves the subscription on the general
path, and a statement that fails leaves that one event to it.
"""

import logging
from collections import OrderedDict
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson
from graphql import ExecutionResult, GraphQLResolveInfo, GraphQLSchema
from graphql.execution.values import VariableValues

from db.pool import Database
from graph.planned import json_sql
from graph.planned.arguments import Fallback
from graph.planned.conditions import Variants, condition_variables
from graph.planned.plan import NotPlannable, Plan, build_event_plan

if TYPE_CHECKING:
    from graph.realtime.hub import EventScope

log = logging.getLogger("graph.planned")


class AnsweredEvent:
    """An event whose `data` the planner produced; graphql-core runs it as it runs a per-event executor."""

    __slots__ = ("key", "text")

    def __init__(self, key: str, text: str) -> None:
        self.key = key  # the subscription field's response key (its alias, or its name)
        self.text = text

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return ExecutionResult({self.key: orjson.Fragment(self.text)}, None)


class PlannedEventExecutor:
    """Mixed into the schema's executor: an event the planner answered needs no per-event execution.

    graphql-core runs `build_per_event_executor(payload).execute_operation()`
    for each event; an `AnsweredEvent` is its own result, so nothing is
    copied or completed for it.
    """

    def build_per_event_executor(self, payload: Any) -> Any:
        if isinstance(payload, AnsweredEvent):
            return payload
        return super().build_per_event_executor(payload)  # type: ignore[misc]


def _hashable(params: list[Any]) -> tuple[Any, ...]:
    return tuple(tuple(value) if isinstance(value, list) else value for value in params)


class EventRead:
    """One subscription's statement, with the viewer and variables it runs with."""

    __slots__ = ("db", "key", "shared", "statement", "variables", "viewer_id")

    def __init__(
        self, db: Database, statement: json_sql.KeyedStatement, viewer_id: int | None, variables: Any, key: str
    ) -> None:
        self.db = db
        self.statement = statement
        self.viewer_id = viewer_id
        self.variables = variables
        self.key = key
        # The viewer's id is a parameter only where the selection reads the viewer's own rows.
        self.shared = statement.params_for(viewer_id, variables, 0) == statement.params_for(None, variables, 0)

    async def answer(self, scope: "EventScope", row_id: int) -> AnsweredEvent | None:
        """The event's answer, None when its row is gone; raises what the statement raised.

        A viewer-dependent answer is nobody else's, so it is not kept in the scope.
        """
        text = self.statement.text
        params = self.statement.params_for(self.viewer_id, self.variables, row_id)
        run = partial(json_sql.run_object, self.db, text, params)
        answer = await (scope.shared(("planned", text, _hashable(params)), run) if self.shared else run())
        return None if answer is None else AnsweredEvent(self.key, answer)


class EventPlans:
    """Subscription plans by document and operation name (a bounded LRU, as the query plans are)."""

    def __init__(self, schema: GraphQLSchema, maxsize: int = 256) -> None:
        self._schema = schema
        self._plans: OrderedDict[tuple[str, str | None], Plan | Variants | None] = OrderedDict()
        self._maxsize = maxsize

    def read_for(self, info: GraphQLResolveInfo[Any], db: Database, viewer_id: int | None) -> EventRead | None:
        """The planned read of a subscription's events, from its root field's resolve info; None: the general path."""
        plan = self._plan(info)
        variables = info.variable_values
        if not isinstance(variables, VariableValues):
            # Strawberry's executor hands resolvers the coerced values alone; the planner reads only those.
            variables = VariableValues({}, variables)
        if isinstance(plan, Variants):
            plan = plan.pick(variables)
        if plan is None:
            return None
        root = plan.fields[0]  # validation: a subscription selects exactly one root field, never introspection
        statement = self._statement(plan, viewer_id, variables)
        return None if statement is None else EventRead(db, statement, viewer_id, variables, root.key)

    def _plan(self, info: GraphQLResolveInfo[Any]) -> Plan | Variants | None:
        operation = info.operation
        if operation.loc is None:  # a document parsed without locations: no text to cache its plan by
            return self._build(info)
        key = (operation.loc.source.body, operation.name.value if operation.name else None)
        if key in self._plans:  # None cached too: an operation the planner does not plan
            self._plans.move_to_end(key)
            return self._plans[key]
        plan = self._plans[key] = self._build(info)
        if len(self._plans) > self._maxsize:
            self._plans.popitem(last=False)
        return plan

    def _build(self, info: GraphQLResolveInfo[Any]) -> Plan | Variants | None:
        """The operation's plan (Variants when it has conditions); None: the general path."""
        operation, fragments = info.operation, info.fragments
        names = condition_variables(operation, fragments)
        if names:
            return Variants(operation, names, lambda variables: self._plan_with(info, variables))
        return self._plan_with(info, None)

    def _plan_with(self, info: GraphQLResolveInfo[Any], variables: VariableValues | None) -> Plan | None:
        try:
            return build_event_plan(self._schema, info.operation, info.fragments, json_sql.serves, variables)
        except NotPlannable as reason:
            log.debug("subscription not planned: %s", reason)
            return None

    def _statement(self, plan: Plan, viewer_id: int | None, variables: Any) -> json_sql.KeyedStatement | None:
        root = plan.fields[0]
        cache_key = ("event", viewer_id is None)
        statement = plan.statements.get(cache_key)
        if statement is None:
            try:
                statement = json_sql.keyed_statement(root.object_type, root.children, viewer_id, variables)
            except (json_sql.NotCompilable, Fallback) as reason:
                log.debug("subscription not planned: %s", reason)
                return None
            if json_sql.reusable(root.children):
                plan.statements[cache_key] = statement
        return statement
