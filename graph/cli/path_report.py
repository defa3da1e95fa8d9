"""`python -m graph.cli.path_report FILE`: add up PATH_COUNTS_REPORT lines, and say why each general-path query was.

Each server process appends one line at shutdown (graph/observability/paths.py). This adds
the counts over every line, then lists the documents the general path
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
from graphql.execution.values import get_variable_values

from graph.planned.conditions import condition_variables
from graph.planned.executor import knows
from graph.planned.payloads import wants_reads
from graph.planned.plan import NotPlannable, build_plan
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
    if operation.operation.value == "subscription":
        return "a subscription: the planner plans queries and mutation payloads"
    try:
        # With conditions on variables the planner plans per value; all true selects the most.
        names = condition_variables(operation, fragments)
        inputs = {name: True for name in names}
        variables = get_variable_values(schema._schema, operation.variable_definitions or (), inputs) if names else None
        if isinstance(variables, list):
            return "its condition variables do not coerce"
        plan = build_plan(schema._schema, operation, fragments, knows, variables)
    except NotPlannable as declined:
        return f"not plannable: {declined}"
    if operation.operation.value == "mutation" and not wants_reads(plan):
        return "a mutation whose write's own rows answer its payload: nothing to plan"
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
    counts, general = summarize(lines)
    print(f"{len(lines)} server processes")
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
