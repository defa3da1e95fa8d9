"""The planned execution path: queries the planner understands skip per-field resolution.

`PlannedExecution.answer` gives an operation's `data` or returns None, and
the caller then runs the general (Strawberry, DataLoader) path. A mutation
is written by its fields' own resolvers and its payload answered by the
planner (graph/planned/mutations.py), when the caller allows writes (a
POST or a WebSocket, never a GET). It returns None for anything it does not plan
(subscriptions, documents that do
not validate, variables that do not coerce, an ID that does not decode, a
bad token)
and whenever execution meets something unusual, so every error response
comes from the general path, and every planned answer equals the general
path's (tests/planned/test_planned_equivalence.py runs both on the same documents).
"""

import logging
from collections import Counter, OrderedDict
from typing import Any

import orjson
from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, OperationType
from graphql.execution.values import VariableValues

from db.errors import DatabaseUnavailable
from db.pool import statement_count
from graph.limits.extension import document_within_limits, limits_of
from graph.observability.paths import PLANNED
from graph.planned import json_sql
from graph.planned.arguments import Fallback
from graph.planned.conditions import Variants, condition_variables
from graph.planned.events import EventPlans, EventRead
from graph.planned.json_sql import NotCompilable, serves, statement_for
from graph.planned.mutations import Mutations, WithErrors
from graph.planned.payloads import reads_for
from graph.planned.plan import NotPlannable, Plan, build_plan
from graph.planned.variables import coerce_variables

log = logging.getLogger("graph.planned")

UNPLANNABLE = object()


class PlannedExecution:
    def __init__(self, schema: Any, maxsize: int = 1024) -> None:
        self._schema = schema._schema  # graphql-core's schema under Strawberry's
        self.answered: Counter[str] = Counter()  # operations answered, by PLANNED
        self._plans: OrderedDict[tuple[str, str | None], Any] = OrderedDict()
        self._maxsize = maxsize
        self._events = EventPlans(self._schema)  # subscriptions' plans (graph/planned/events.py)
        self._mutations = Mutations(schema)

    def plan_for(
        self, query: str, operation_name: str | None, document: DocumentNode | None = None
    ) -> Plan | Variants | None:
        """The cached plan (or plans by condition values); on a miss, built from `document`, if given.

        `document` was parsed and validated by the caller.
        """
        key = (query, operation_name)
        plan = self._plans.get(key)
        if plan is None:
            if document is None:
                return None
            plan = self._build(document, operation_name)
            self._plans[key] = plan
            if len(self._plans) > self._maxsize:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return None if plan is UNPLANNABLE else plan

    def event_read(self, info: Any, db: Any, viewer_id: int | None) -> EventRead | None:
        """How a subscription's events are answered (graph/planned/events.py), from its root field's resolve info.

        None: the planner does not plan its selection, and its events take the general path.
        """
        return self._events.read_for(info, db, viewer_id)

    def operation_name(self, query: str, operation_name: str | None) -> str | None:
        """The name of the operation a plan was built for (logs and metrics want it); no LRU bookkeeping."""
        plan = self._plans.get((query, operation_name))
        name = plan.operation.name if plan is not None and plan is not UNPLANNABLE else None
        return name.value if name is not None else operation_name

    def _build(self, document: DocumentNode, operation_name: str | None) -> Any:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if operation_name is None:
            operation = operations[0] if len(operations) == 1 else None
        else:
            operation = next((o for o in operations if o.name and o.name.value == operation_name), None)
        if operation is None:
            return UNPLANNABLE
        names = condition_variables(operation, fragments)
        if names:
            return Variants(operation, names, lambda variables: self._plan(operation, fragments, variables))
        plan = self._plan(operation, fragments, None)
        return UNPLANNABLE if plan is None else plan

    def _plan(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues | None,
    ) -> Plan | None:
        try:
            return build_plan(self._schema, operation, fragments, serves, variables)
        except NotPlannable as reason:
            log.debug("not planned: %s", reason)
            return None

    def _answered(self, plan: Plan, context: Any) -> None:
        """The one place the planner says it answered (metrics and the log line read `context.answered_by`)."""
        self.answered[PLANNED] += 1
        context.answered_by = PLANNED
        context.operation_type = plan.operation.operation.value

    async def answer(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        *,
        writes: bool = False,
    ) -> dict[str, Any] | orjson.Fragment | WithErrors | None:
        """The operation's `data` (a dict, or JSON text built by PostgreSQL), or None: the general path answers.

        `writes`: whether a mutation may run here (False for a GET, whose
        mutation the general path refuses with 405). A mutation whose field
        raised answers `WithErrors`.
        """
        if context.auth_error is not None:
            return None
        document = document_within_limits(self._schema, query, operation_name, variables, limits_of(context))
        if document is None:
            return None  # the general path answers with the parse, validation or limit error
        plan = self.plan_for(query, operation_name, document)
        if plan is None:
            return None
        mutation = plan.operation.operation == OperationType.MUTATION
        if mutation and not writes:
            return None
        coerced = coerce_variables(self._schema, plan, variables or {})
        if isinstance(coerced, list):  # variables that do not coerce: the general path words the errors
            return None
        if isinstance(plan, Variants):
            plan = plan.pick(coerced)
            if plan is None:
                return None
        if mutation:
            return await self._write(plan, context, coerced)
        token = statement_count.set(context.statements)
        try:
            built = statement_for(plan, context.viewer_id, coerced)
            text = await json_sql.run(context.db, built.text, built.params)
            if built.refusals and json_sql.REFUSED_HERE in text:
                raise Fallback("a row reached a field whose arguments the general path refuses")
            self._answered(plan, context)
            return orjson.Fragment(text)
        except Fallback as reason:
            log.debug("fell back to the general path: %s", reason)
            return None
        except DatabaseUnavailable:
            return None  # the general path answers SERVICE_UNAVAILABLE
        except Exception:
            log.exception("planned execution failed; the general path answers instead")
            return None
        finally:
            statement_count.reset(token)

    async def _write(self, plan: Plan, context: Any, variables: Any) -> dict[str, Any] | WithErrors | None:
        try:
            reads = reads_for(plan, context.viewer_id, variables)  # before anything is written
        except (NotCompilable, Fallback) as reason:
            log.debug("mutation not planned: %s", reason)
            return None
        token = statement_count.set(context.statements)
        try:
            answer = await self._mutations.run(plan, context, variables, reads)
        finally:
            statement_count.reset(token)
        self._answered(plan, context)
        return answer
