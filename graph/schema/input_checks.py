"""Input limits, in one place; each check normalizes a value or records a UserError.

The database enforces the same limits with CHECK constraints; these give
the client a field path and a message instead of a failed statement.
"""

import re
import unicodedata
from urllib.parse import urlsplit

from graph.limits.lengths import (
    EMAIL_MAX,
    IMAGE_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    TAG_MAX,
    TAGS_MAX,
)
from graph.schema.types.payloads import UserError, user_error

USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Checks:
    """Collects the UserErrors of one input."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def fail(self, field: str | None, message: str) -> None:
        self.errors.append(user_error(field, message))

    def username(self, value: str) -> str:
        value = value.strip()
        if not USERNAME.match(value):
            self.fail("username", "Use 3 to 32 letters, digits, underscores or hyphens.")
        return value

    def email(self, value: str) -> str:
        value = value.strip().lower()
        if len(value) > EMAIL_MAX or not EMAIL.match(value):
            self.fail("email", "Enter an email address like name@example.com.")
        return value

    def password(self, value: str) -> str:
        if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
            self.fail("password", f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters.")
        return value

    def text(self, field: str, value: str, *, maximum: int, required: bool = True) -> str:
        value = value.strip()
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            self.fail(field, "Remove the NUL character.")
        elif required and not value:
            self.fail(field, "This cannot be empty.")
        elif len(value) > maximum:
            self.fail(field, f"Use at most {maximum} characters.")
        return value

    def image(self, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        malformed = any(character.isspace() for character in value) or not parts.netloc
        if len(value) > IMAGE_MAX or parts.scheme not in ("http", "https") or malformed:
            self.fail("image", f"Use an http(s) URL of at most {IMAGE_MAX} characters.")
        return value

    def tags(self, values: list[str]) -> list[str]:
        """Trimmed, lower-case, without duplicates, in the order first given."""
        seen: dict[str, None] = {}
        for raw in values:
            tag = raw.strip().lower()
            if not tag or len(tag) > TAG_MAX or "\x00" in tag:
                self.fail("tags", f"Each tag needs 1 to {TAG_MAX} characters.")
                return []
            seen.setdefault(tag)
        if len(seen) > TAGS_MAX:
            self.fail("tags", f"Use at most {TAGS_MAX} tags.")
        return list(seen)


def slugify(title: str) -> str:
    """ASCII, lower-case, hyphen-separated; "article" when nothing is left."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:200].rstrip("-")
    return slug or "article"
