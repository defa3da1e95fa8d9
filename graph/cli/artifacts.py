"""Schema artifacts for clients, committed and checked for staleness.

- `schema.graphql`: the SDL (GraphQL Code Generator, editors, the contract check).
- `artifacts/introspection.json`: `{"__schema": …}`, what urql Graphcache's
  `schema` option and codegen's introspection loaders consume.
- `artifacts/possible-types.json`: Apollo Client's `possibleTypes` (interface or
  union name to its concrete types), so fragments on `Node` match.
- `artifacts/openapi.json`: the REST API's OpenAPI document (graph/rest/openapi.py),
  what REST client generators and tests/probes/test_rest_fuzz_server.py read.
- `docs/settings.md`: every setting (graph/cli/settings_doc.py renders it), so the
  page cannot drift from the code.
"""

from pathlib import Path

import orjson
from graphql import GraphQLInterfaceType, GraphQLUnionType, introspection_from_schema

from graph.cli.settings_doc import settings_doc
from graph.rest.openapi import document as openapi_document
from graph.schema.build import schema, sdl


def _json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def possible_types() -> dict[str, list[str]]:
    graphql_schema = schema._schema
    found: dict[str, list[str]] = {}
    for name, type_ in graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            found[name] = sorted(t.name for t in graphql_schema.get_possible_types(type_))
    return dict(sorted(found.items()))


def rendered() -> dict[str, str]:
    return {
        "schema.graphql": sdl(),
        "artifacts/introspection.json": _json(introspection_from_schema(schema._schema)),
        "artifacts/possible-types.json": _json(possible_types()),
        "artifacts/openapi.json": _json(openapi_document()),
        "docs/settings.md": settings_doc(),
    }


def export(root: Path) -> list[Path]:
    written = []
    for name, text in rendered().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def stale(root: Path) -> list[Path]:
    return [
        root / name
        for name, text in rendered().items()
        if not (root / name).exists() or (root / name).read_text() != text
    ]
