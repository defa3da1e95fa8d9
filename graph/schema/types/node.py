"""The Node interface and PageInfo, shared by every entity and connection."""

import strawberry

from graph.relay.pagination import PageResult


@strawberry.interface(description="An object with an opaque global ID, accepted by node(id:) and every input.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, result: PageResult, cursors: list[str]) -> "PageInfo":
        return cls(
            has_next_page=result.has_next_page,
            has_previous_page=result.has_previous_page,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
