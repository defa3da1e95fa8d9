"""`python -m graph.cli.path_report FILE`: add up PATH_COUNTS_REPORT lines, and say why each general-path query was.

Each server process appends one line at shutdown (graph/observability/paths.py). This adds
the counts over every line (over those with the planned path on, when some
were and some were not: a test run turns it off on purpose here and there),
then lists the documents the general path
answered without errors, busiest first, each with the planner's own reason
(`NotPlannable`'s message) when the planner declines to plan it, or
"plannable" when it would plan it (the planned path was off, or fell back
when run: a `Fallback`, variables that did not coerce, a statement the
planner gave up on).
"""

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse
from graphql.execution.values import VariableValues

from graph.planned.arguments import Fallback
from graph.planned.conditions import condition_variables
from graph.planned.json_sql import NotCompilable, keyed_statement, serves
from graph.planned.payloads import reads_for
from graph.planned.plan import NotPlannable, build_event_plan, build_plan
from graph.schema.build import schema


def reason(query: str, operation_name: str | None) -> str:
    try:
        document = parse(query)
    except GraphQLError as error:
        return f"does not parse: {error.message}"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return "no single operation to plan"
    operation = chosen[0]
    try:
        # With conditions on variables the planner plans per value; all true selects the most.
        names = condition_variables(operation, fragments)
        # Only the conditions' values: the document's other variables (a required `$id`) are not in the report.
        variables = VariableValues({}, dict.fromkeys(names, True)) if names else None
        if operation.operation.value == "subscription":
            return _subscription_reason(operation, fragments, variables)
        plan = build_plan(schema._schema, operation, fragments, serves, variables)
    except NotPlannable as declined:
        return f"not plannable: {declined}"
    if operation.operation.value == "mutation":
        try:
            reads_for(plan, None, variables)
        except (NotCompilable, Fallback) as declined:
            return f"payload not one statement: {declined}"
    return "plannable: the planned path was off, or fell back when run"


def _subscription_reason(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode], variables: VariableValues | None
) -> str:
    """Why a subscription's events took the general path (graph/planned/events.py plans them)."""
    plan = build_event_plan(schema._schema, operation, fragments, serves, variables)
    root = plan.fields[0]
    try:
        keyed_statement(root.object_type, root.children, None, variables)
    except (NotCompilable, Fallback) as declined:
        return f"not one statement: {declined}"
    return "plannable: the planned path was off, or fell back when run"


def summarize(lines: list[dict[str, Any]]) -> tuple[Counter[tuple[str, str]], Counter[tuple[str | None, str]]]:
    counts: Counter[tuple[str, str]] = Counter()
    general: Counter[tuple[str | None, str]] = Counter()
    for line in lines:
        for row in line["counts"]:
            counts[(row["path"], row["type"])] += row["count"]
        for row in line["general"]:
            general[(row["operation"], row["query"])] += row["count"]
    return counts, general


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph.cli.path_report", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--full", action="store_true", help="print whole documents, not their first line")
    args = parser.parse_args(argv)
    lines = [orjson.loads(text) for text in args.file.read_text().splitlines() if text.strip()]
    planned_on = [line for line in lines if line.get("planned_execution", True)]
    left_out = len(lines) - len(planned_on) if planned_on else 0
    if left_out:
        # A test run starts some apps with the planned path off on purpose: they answer on the general path by design.
        lines = planned_on
    counts, general = summarize(lines)
    print(f"{len(lines)} server processes" + (f" ({left_out} with PLANNED_EXECUTION=false left out)" * bool(left_out)))
    print("| path | type | operations |\n| --- | --- | ---: |")
    for (path, operation_type), count in sorted(counts.items()):
        print(f"| {path} | {operation_type} | {count} |")
    print("\nanswered by the general path without errors:")
    print("| count | operation | reason | document |\n| ---: | --- | --- | --- |")
    for (name, query), count in general.most_common():
        shown = " ".join(query.split()) if args.full else " ".join(query.split())[:90]
        print(f"| {count} | {name or '(anonymous)'} | {reason(query, name)} | `{shown}` |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
