"""Mutation payloads' objects: one statement each, keyed by the written row's id.

A payload's object (`comment`, `article`, `user`, `viewer`) is compiled
by graph/planned/json_sql.py as every query's fields are, for the row the
write returned; graph/planned/mutations.py runs it once the write has
committed and before the next mutation field runs, which is when the
general path reads its payload too, so both see the same rows. The
statements are built before anything is written: an argument the planner
refuses (json_sql's Fallback) or a selection one statement cannot say
(NotCompilable) leaves the whole operation to the general path.
"""

from typing import Any

import orjson

from db.pool import Database
from graph.planned import json_sql
from graph.planned.json_sql import KeyedStatement
from graph.planned.plan import PAYLOAD_OBJECTS, Plan

# (mutation response key, payload object response key) -> its statement
Reads = dict[tuple[str, str], KeyedStatement]


def reads_for(plan: Plan, viewer_id: int | None, variables: Any) -> Reads:
    """The statements for every payload object of a mutation plan, by (mutation key, object key)."""
    reads = {}
    for mutation in plan.fields:
        for child in mutation.children:
            if child.type_name not in PAYLOAD_OBJECTS:
                continue
            cache_key = (mutation.key, child.key, viewer_id is None)
            statement = plan.statements.get(cache_key)
            if statement is None:
                statement = json_sql.keyed_statement(child.object_type, child.children, viewer_id, variables)
                if json_sql.reusable(child.children):
                    plan.statements[cache_key] = statement
            reads[(mutation.key, child.key)] = statement
    return reads


async def read(
    db: Database, statement: KeyedStatement, viewer_id: int | None, variables: Any, value: Any
) -> orjson.Fragment | None:
    """The written object `value` (a Node, or a Viewer) as its statement answers it; None once it is gone."""
    text = await json_sql.run_object(db, statement.text, statement.params_for(viewer_id, variables, _key(value)))
    return None if text is None else orjson.Fragment(text)


def _key(value: Any) -> int:
    """The written row's id: a Node's key, or a Viewer's user's."""
    key: int | None = getattr(value, "key", None)
    row_id: int = value.user.key if key is None else key
    return row_id
