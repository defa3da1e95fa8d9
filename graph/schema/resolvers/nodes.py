"""Loading any Node by its global ID."""

from collections.abc import Callable
from typing import Any

from graph.relay.ids import decode_id
from graph.schema.context import Context
from graph.schema.types.article import Article
from graph.schema.types.comment import Comment
from graph.schema.types.node import Node
from graph.schema.types.user import User

_NODE_TYPES: dict[str, tuple[str, Callable[[Any], Node]]] = {
    "User": ("user", User.from_row),
    "Article": ("article", Article.from_row),
    "Comment": ("comment", Comment.from_row),
}


async def load_node(context: Context, global_id: str) -> Node | None:
    """The node an ID names, or None for a well-formed ID of nothing."""
    type_name, key = decode_id(global_id)
    loader_name, from_row = _NODE_TYPES[type_name]
    row = await getattr(context.loaders, loader_name).load(key)
    return None if row is None else from_row(row)
