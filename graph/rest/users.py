"""POST /api/users, POST /api/users/login, GET and PUT /api/user: accounts, by the GraphQL door's rules.

Registration and login count against the same limits as `register` and
`login` (graph/auth/login_limits.py, kept in PostgreSQL, so a client cannot get
more attempts by switching doors), check input with graph/schema/input_checks.py and
issue the same tokens (graph/auth/tokens.py): a token from either door works on
both.
"""

from fastapi import APIRouter
from starlette.responses import Response

from db import users
from db.errors import UniqueViolation
from graph.auth.login_limits import count_login_attempt, count_registration, forget_account_attempts
from graph.errors import Unauthenticated
from graph.limits.lengths import BIO_MAX
from graph.rest.dependencies import ContextDep, PasswordsDep, TokenDep, TokensDep, ViewerDep
from graph.rest.errors import RestError, invalid
from graph.rest.models import LoginUserRequest, NewUserRequest, UpdateUserRequest, UserResponse
from graph.rest.observe import RestRoute
from graph.rest.responses import errors
from graph.rest.views import json_response, user_view
from graph.schema.input_checks import Checks

router = APIRouter(route_class=RestRoute, tags=["User and Authentication"])

_UNIQUE_FIELDS = {"users_username_key": "username", "users_email_key": "email"}
BAD_CREDENTIALS = RestError(401, {"credentials": ["Email and password do not match."]})


def _taken(fields: set[str] | list[str]) -> RestError:
    return RestError(422, {field: [f"That {field} already belongs to someone else."] for field in sorted(fields)})


@router.post(
    "/users", operation_id="CreateUser", status_code=201, response_model=UserResponse, responses=errors(422, 429)
)
async def register(body: NewUserRequest, context: ContextDep, passwords: PasswordsDep, tokens: TokensDep) -> Response:
    """Register; answers the new user with their token."""
    checks = Checks()
    username = checks.username(body.user.username)
    email = checks.email(body.user.email)
    password = checks.password(body.user.password)
    if checks.errors:
        raise invalid(checks.errors)
    await count_registration(context)  # before the lookup (it tells whether an email is taken) and the hash
    if taken := await users.taken_names(context.db, username, email):
        raise _taken(taken)
    password_hash = await passwords.hash(password)
    try:
        async with context.db.transaction() as tx:
            row = await users.insert_user(tx, username, email, password_hash)
    except UniqueViolation as error:  # a concurrent registration won the race
        raise _taken([_UNIQUE_FIELDS.get(error.constraint or "", "username")]) from None
    return json_response({"user": user_view(row, tokens.issue(row["id"], 0))}, 201)


@router.post("/users/login", operation_id="Login", response_model=UserResponse, responses=errors(401, 422, 429))
async def login(body: LoginUserRequest, context: ContextDep, passwords: PasswordsDep, tokens: TokensDep) -> Response:
    """Sign in with email and password; answers the user with a new token."""
    email = body.user.email.strip().lower()
    await count_login_attempt(context, email)
    credentials = await users.credentials_by_email(context.db, email)
    # An unknown email still costs one verification, so timing tells nothing.
    verified = await passwords.verify(credentials["password_hash"] if credentials else None, body.user.password)
    if not verified or credentials is None:
        raise BAD_CREDENTIALS
    user_id = credentials["id"]
    await forget_account_attempts(context, email)
    if passwords.needs_rehash(credentials["password_hash"]):
        async with context.db.transaction() as tx:
            await users.set_password_hash(tx, user_id, await passwords.hash(body.user.password))
    row = await context.loaders.user.load(user_id)
    if row is None:  # deleted since the password was checked
        raise BAD_CREDENTIALS
    token = tokens.issue(user_id, credentials["token_version"])
    return json_response({"user": user_view(row, token)})


@router.get("/user", operation_id="GetCurrentUser", response_model=UserResponse, responses=errors(401, 422))
async def current_user(viewer_id: ViewerDep, context: ContextDep, token: TokenDep) -> Response:
    """The signed-in user, with the token they sent (its check already read their row)."""
    row = await context.loaders.user.load(viewer_id)
    return json_response({"user": user_view(row, token)})


@router.put("/user", operation_id="UpdateCurrentUser", response_model=UserResponse, responses=errors(401, 422))
async def update_user(
    body: UpdateUserRequest,
    viewer_id: ViewerDep,
    context: ContextDep,
    token: TokenDep,
    passwords: PasswordsDep,
    tokens: TokensDep,
) -> Response:
    """Change what is given. A new password revokes every older token; the answer carries a fresh one."""
    given = body.user
    checks = Checks()
    username = checks.username(given.username) if given.username is not None else None
    email = checks.email(given.email) if given.email is not None else None
    password = checks.password(given.password) if given.password is not None else None
    bio = given.bio if "bio" in given.model_fields_set else None
    if bio is not None:
        bio = checks.text("bio", bio, maximum=BIO_MAX, required=False)
    clear_bio = "bio" in given.model_fields_set and not bio
    image = given.image.strip() if given.image is not None else None
    if image:
        image = checks.image(image)
    clear_image = "image" in given.model_fields_set and not image
    if checks.errors:
        raise invalid(checks.errors)
    if (username or email) and (taken := await users.taken_names(context.db, username, email, viewer_id)):
        raise _taken(taken)
    password_hash = await passwords.hash(password) if password is not None else None
    try:
        async with context.db.transaction() as tx:
            row = await users.update_user(
                tx,
                viewer_id,
                username=username,
                email=email,
                password_hash=password_hash,
                bio=bio or None,
                image=image or None,
                clear_bio=clear_bio,
                clear_image=clear_image,
            )
    except UniqueViolation as error:
        raise _taken([_UNIQUE_FIELDS.get(error.constraint or "", "username")]) from None
    if row is None:  # the account was deleted after the token was checked
        raise Unauthenticated("The token has been revoked; sign in again.")
    if password_hash is not None:
        token = tokens.issue(viewer_id, row["token_version"])
    return json_response({"user": user_view(row, token)})
