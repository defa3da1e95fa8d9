"""Relay connection arguments and cursors, checked at the edge.

A cursor is opaque to clients: base64 of the list's name and the sort key of
its row. Decoding checks both, so a cursor from one list cannot page another.
"""

import base64
import binascii
import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson
from graphql import Node

from db.keyset import Page, SortKey, Window
from graph.errors import BadUserInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PageArgs:
    """The four Relay arguments as a client sent them; hashable, so loaders key on it."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @classmethod
    def of(cls, arguments: Mapping[str, Any]) -> "PageArgs":
        """The four from a field's coerced arguments (the planner's, graph/planned/arguments.py)."""
        return cls(**{field.name: arguments.get(field.name) for field in fields(cls)})


# The four as a resolver's parameters, in PageArgs' order: what the schema shows.
_PAGE_PARAMETERS = tuple(
    inspect.Parameter(field.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=field.default, annotation=field.type)
    for field in fields(PageArgs)
)

R = TypeVar("R")


def paged(resolver: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """A connection field's resolver taking `page: PageArgs`, shown to GraphQL as `first, after, last, before`.

    Strawberry reads a field's arguments from its resolver's signature, so
    the returned resolver's signature has the four parameters where `page`
    was, and it gathers them into one PageArgs for `resolver`. Every
    connection field takes its Relay arguments from here: declared once.
    """
    signature = inspect.signature(resolver)
    parameters = list(signature.parameters.values())
    at = [parameter.name for parameter in parameters].index("page")
    shown = signature.replace(parameters=[*parameters[:at], *_PAGE_PARAMETERS, *parameters[at + 1 :]])

    @functools.wraps(resolver)
    async def with_page(*args: Any, **kwargs: Any) -> R:
        page = PageArgs(**{p.name: kwargs.pop(p.name) for p in _PAGE_PARAMETERS if p.name in kwargs})
        return await resolver(*args, page=page, **kwargs)

    with_page.__signature__ = shown  # type: ignore[attr-defined]  # inspect.signature (and so Strawberry) reads it
    with_page.__annotations__ = {
        **{name: p.annotation for name, p in shown.parameters.items() if p.annotation is not p.empty},
        "return": shown.return_annotation,
    }
    return with_page


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value - _EPOCH) // timedelta(microseconds=1)
    return value


_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def _decode_value(value: Any, sql_type: str) -> Any:
    if type(value) is not int:
        raise ValueError(value)
    if sql_type == "timestamptz":
        return _EPOCH + timedelta(microseconds=value)
    low, high = _INT_RANGES[sql_type]
    if not low <= value <= high:
        raise ValueError(value)
    return value


def encode_cursor(key: SortKey, values: tuple[Any, ...]) -> str:
    payload = orjson.dumps([key.name, [_encode_value(value) for value in values]])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(key: SortKey, cursor: str) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if name != key.name or len(values) != len(key.columns):
            raise ValueError(name)
        return tuple(
            _decode_value(value, sql_type) for value, (_, sql_type, _) in zip(values, key.columns, strict=True)
        )
    except (UnicodeError, binascii.Error, ValueError, TypeError, OverflowError, orjson.JSONDecodeError):
        raise BadUserInput(f"Invalid cursor: {cursor!r}.") from None


def check_page_size(name: str, value: int, node: Node | None = None) -> int:
    """`value` when it is a page size a list takes; BAD_USER_INPUT otherwise.

    The resolvers call it, and so does the cost walk (cost.py) before it
    multiplies by the size, so a size out of range is this error however
    it was written, never a cost error.
    """
    if not 0 <= value <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {value}.", nodes=node, argument=name)
    return value


def check_id_count(count: int, node: Node | None = None) -> int:
    """The number of IDs `nodes(ids:)` takes at once, checked like a page size."""
    if count > MAX_PAGE_SIZE:
        raise BadUserInput(f"`ids` takes at most {MAX_PAGE_SIZE} IDs, got {count}.", nodes=node, argument="ids")
    return count


def window_for(args: PageArgs, key: SortKey) -> Window:
    """The db layer's window for these arguments; BAD_USER_INPUT when they make no sense.

    Forward pages take `first`/`after`, backward pages `last`/`before`; mixing
    the two directions is refused rather than guessed at.
    """
    if args.first is not None and args.last is not None:
        raise BadUserInput("Pass `first` or `last`, not both.")
    if args.after is not None and args.before is not None:
        raise BadUserInput("Pass `after` or `before`, not both.")
    backward = args.last is not None or (args.first is None and args.before is not None)
    if backward and args.after is not None:
        raise BadUserInput("`last` pages backwards and goes with `before`, not `after`.")
    if not backward and args.before is not None:
        raise BadUserInput("`first` pages forwards and goes with `after`, not `before`.")
    if backward:
        limit = DEFAULT_PAGE_SIZE if args.last is None else check_page_size("last", args.last)
        cursor = args.before
    else:
        limit = DEFAULT_PAGE_SIZE if args.first is None else check_page_size("first", args.first)
        cursor = args.after
    return Window(limit=limit, backward=backward, cursor=None if cursor is None else decode_cursor(key, cursor))


@dataclass(frozen=True, slots=True)
class PageResult:
    """A page with what PageInfo needs, independent of the node type."""

    page: Page
    window: Window
    key: SortKey

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(self.key, values) for values in self.page.keys]

    @property
    def has_next_page(self) -> bool:
        # Forwards: the extra row fetched says. Backwards: a `before` cursor
        # means rows follow it (the row it was taken from, at least).
        return self.page.has_more if not self.window.backward else self.window.cursor is not None

    @property
    def has_previous_page(self) -> bool:
        return self.page.has_more if self.window.backward else self.window.cursor is not None
