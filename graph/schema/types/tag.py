"""The Tag type."""

from typing import Any

import strawberry


@strawberry.type
class Tag:
    name: str
    articles_count: int

    @classmethod
    def from_row(cls, row: Any) -> "Tag":
        return cls(name=row["name"], articles_count=row["articles_count"])
