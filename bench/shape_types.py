"""What a benchmark shape is, apart from the shapes themselves (bench/shapes.py, bench/client_shapes.py)."""

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

UNIQUE = "@@N@@"
# A request's variables may name the operation to send, for shapes whose
# documents are one operation each (a dict of documents by operation name).
OPERATION = "@operation"
ARTICLE_BODY = "A benchmark article. " * 20
M2_ARTICLES = 400  # M2 walks favorite/unfavorite pairs over this many articles


def node_key(global_id: str) -> int:
    """The row id inside a global ID: ours ("Article:5") or PostGraphile's (["articles", 5])."""
    try:
        text = base64.b64decode(global_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return int(global_id)
    if text.startswith("["):
        return int(orjson.loads(text)[-1])
    return int(text.rpartition(":")[2])


@dataclass(frozen=True)
class Params:
    """What the documents are about, fixed by the data set."""

    username: str
    writer: str
    article_ids: list[int]
    slug: str = ""  # of article_ids[0]
    writer_article_ids: list[int] = field(default_factory=list)
    followee_ids: list[int] = field(default_factory=list)  # users the writer does not follow
    deletable_ids: list[int] = field(default_factory=list)  # rows made by the shape's `fresh` for deletes
    article_slugs: list[str] = field(default_factory=list)  # of article_ids, in order (REST names articles by slug)


@dataclass(frozen=True)
class Shape:
    name: str
    summary: str
    signed_in: bool
    writes: bool
    # One document, or (toggle shapes) documents by operation name: see OPERATION.
    ours: str | dict[str, str]
    postgraphile: str | dict[str, str]
    # (variables for ours, for PostGraphile, body for the plain endpoint); a
    # list: the load generator cycles through them.
    requests: Callable[[Params], list[tuple[dict, dict, dict]]]
    normalize_ours: Callable[[dict], Any]
    normalize_postgraphile: Callable[[dict], Any]
    plain_route: str | None  # None: the plain endpoint does not serve it
    notes: list[str] = field(default_factory=list)
    # The expected normalized answer, from SQL: (connection, params, context); context holds
    # reader_id, writer_id, unique and the request's `variables` (ours). None: bench/checks.py's own.
    reference: Callable[[Any, Params, dict], Awaitable[Any]] | None = None
    # Rows the requests use up (deletes): (connection, params, how many) -> params naming them.
    fresh: Callable[[Any, Params, int], Awaitable[Params]] | None = None
    # REST shapes (bench/rest_shapes.py): (method, path, body) per request, one for each of `requests`;
    # ours and the plain endpoint send these, PostGraphile the GraphQL document.
    rest: Callable[[Params], list[tuple[str, str, bytes]]] | None = None


def _body(document: str | dict[str, str], variables: dict) -> bytes:
    if isinstance(document, str):
        return orjson.dumps({"query": document, "variables": variables})
    variables = dict(variables)
    name = variables.pop(OPERATION)
    return orjson.dumps({"query": document[name], "operationName": name, "variables": variables})


def ours_body(shape: Shape, variables: dict) -> bytes:
    return _body(shape.ours, variables)


def postgraphile_body(shape: Shape, variables: dict) -> bytes:
    return _body(shape.postgraphile, variables)
