"""followUser, unfollowUser."""

from db import users
from db.errors import MissingReference
from graph.auth.policy import require_viewer
from graph.relay.ids import decode_id
from graph.schema.context import Context, Info
from graph.schema.types.inputs import FollowUserInput
from graph.schema.types.payloads import FollowUserPayload, UserErrorCode, user_error
from graph.schema.types.user import User

_NOT_FOUND = FollowUserPayload(
    user=None, errors=[user_error("userId", "No user has that ID.", UserErrorCode.NOT_FOUND)]
)


async def follow_user(info: Info, input: FollowUserInput) -> FollowUserPayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, user_id = decode_id(input.user_id, expected="User")
    if user_id == viewer_id:
        return FollowUserPayload(user=None, errors=[user_error("userId", "You cannot follow yourself.")])
    try:
        async with context.db.transaction() as tx:
            await users.follow(tx, viewer_id, user_id)
    except MissingReference:
        return _NOT_FOUND
    return await _payload(context, user_id)


async def unfollow_user(info: Info, input: FollowUserInput) -> FollowUserPayload:
    context = info.context
    viewer_id = require_viewer(context)
    _, user_id = decode_id(input.user_id, expected="User")
    async with context.db.transaction() as tx:
        await users.unfollow(tx, viewer_id, user_id)
    return await _payload(context, user_id)


async def _payload(context: Context, user_id: int) -> FollowUserPayload:
    context.reset_loaders()
    row = await context.loaders.user.load(user_id)
    return _NOT_FOUND if row is None else FollowUserPayload(user=User.from_row(row), errors=[])
