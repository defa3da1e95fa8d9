"""Opaque global IDs: base64 of "Type:key", accepted by node(id:) and every input."""

import base64
import binascii

from graph.errors import BadUserInput

NODE_TYPES = frozenset({"User", "Article", "Comment"})


def encode_id(type_name: str, key: int) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_id(global_id: str, *, expected: str | None = None) -> tuple[str, int]:
    """The (type, key) an ID names; BAD_USER_INPUT when it is not one of ours.

    `expected` narrows the type: an Article ID given where a User ID belongs
    is malformed input, not "nothing there".
    """
    try:
        text = base64.b64decode(global_id.encode("ascii"), validate=True).decode("utf-8")
        type_name, _, raw_key = text.partition(":")
        if not raw_key.isascii() or not raw_key.isdigit() or len(raw_key) > 18:
            raise ValueError(raw_key)
        key = int(raw_key)
    except (UnicodeError, binascii.Error, ValueError):
        raise BadUserInput(f"Invalid ID: {global_id!r}.") from None
    if type_name not in NODE_TYPES or key < 1 or global_id != encode_id(type_name, key):
        raise BadUserInput(f"Invalid ID: {global_id!r}.")
    if expected is not None and type_name != expected:
        raise BadUserInput(f"Expected an ID of a {expected}, got one of a {type_name}.")
    return type_name, key
