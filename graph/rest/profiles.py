"""GET /api/profiles/{username}, POST and DELETE /api/profiles/{username}/follow."""

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Path
from starlette.responses import Response

from db import users
from db.errors import MissingReference
from graph.limits.bounds import USERNAME_MAX
from graph.rest.dependencies import ContextDep, ViewerDep
from graph.rest.errors import RestError, not_found
from graph.rest.models import ProfileResponse
from graph.rest.observe import RestRoute
from graph.rest.responses import errors
from graph.rest.views import json_response, profile_view
from graph.schema.context import Context

router = APIRouter(route_class=RestRoute, tags=["Profile"])

# A name longer than any username can be names nobody: 404 without a statement.
Username = Annotated[str, Path(description="Username of the profile (any letter case).")]


async def _user(context: Context, username: str) -> asyncpg.Record:
    row = await users.user_by_username(context.db, username) if len(username) <= USERNAME_MAX else None
    if row is None:
        raise not_found("profile")
    return row


@router.get(
    "/profiles/{username}", operation_id="GetProfileByUsername", response_model=ProfileResponse, responses=errors(404)
)
async def profile(username: Username, context: ContextDep) -> Response:
    """A user's profile; `following` says whether the viewer follows them (false when anonymous)."""
    row = await _user(context, username)
    viewer_id = context.viewer_id
    following = viewer_id is not None and row["id"] in await users.followed_by(context.db, viewer_id, [row["id"]])
    return json_response({"profile": profile_view(row, following)})


@router.post(
    "/profiles/{username}/follow",
    operation_id="FollowUserByUsername",
    response_model=ProfileResponse,
    responses=errors(404),
)
async def follow(username: Username, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Follow (idempotent)."""
    row = await _user(context, username)
    if row["id"] == viewer_id:
        raise RestError(422, {"username": ["You cannot follow yourself."]})
    try:
        async with context.db.transaction() as tx:
            await users.follow(tx, viewer_id, row["id"])
    except MissingReference:  # deleted since the lookup
        raise not_found("profile") from None
    return json_response({"profile": profile_view(row, True)})


@router.delete(
    "/profiles/{username}/follow",
    operation_id="UnfollowUserByUsername",
    response_model=ProfileResponse,
    responses=errors(404),
)
async def unfollow(username: Username, viewer_id: ViewerDep, context: ContextDep) -> Response:
    """Unfollow (idempotent)."""
    row = await _user(context, username)
    async with context.db.transaction() as tx:
        await users.unfollow(tx, viewer_id, row["id"])
    return json_response({"profile": profile_view(row, False)})
