"""GET /api/tags: the tags in use, most used first."""

from fastapi import APIRouter
from starlette.responses import Response

from db import tags
from graph.relay.pagination import MAX_PAGE_SIZE
from graph.rest.dependencies import DatabaseDep
from graph.rest.models import TagsResponse
from graph.rest.observe import RestRoute
from graph.rest.responses import errors
from graph.rest.views import json_response

router = APIRouter(route_class=RestRoute, tags=["Tags"])


@router.get("/tags", operation_id="GetTags", response_model=TagsResponse, responses=errors())
async def popular_tags(db: DatabaseDep) -> Response:
    """The most used tags (at most 100), ties by name: what a tag cloud shows."""
    rows = await tags.popular_tags(db, MAX_PAGE_SIZE)
    return json_response({"tags": [row["name"] for row in rows]})
