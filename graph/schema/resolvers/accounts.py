"""register, login, updateViewer."""

from db import users
from db.errors import UniqueViolation
from graph.auth.login_limits import count_login_attempt, count_registration, forget_account_attempts
from graph.auth.policy import require_viewer
from graph.limits.lengths import BIO_MAX
from graph.schema.context import Info
from graph.schema.input_checks import Checks
from graph.schema.types.inputs import LoginInput, RegisterInput, UpdateViewerInput
from graph.schema.types.payloads import AuthPayload, UpdateViewerPayload, UserError, UserErrorCode, user_error
from graph.schema.types.viewer import Viewer

# Unique indexes, and the input field each one guards.
_UNIQUE_FIELDS = {"users_username_key": "username", "users_email_key": "email"}


def _taken(fields: set[str] | list[str]) -> list[UserError]:
    return [
        user_error(field, f"That {field} already belongs to someone else.", UserErrorCode.TAKEN)
        for field in sorted(fields)
    ]


def _taken_by_violation(error: UniqueViolation) -> list[UserError]:
    return _taken([_UNIQUE_FIELDS.get(error.constraint or "", "username")])


async def register(info: Info, input: RegisterInput) -> AuthPayload:
    context = info.context
    checks = Checks()
    username = checks.username(input.username)
    email = checks.email(input.email)
    password = checks.password(input.password)
    if checks.errors:
        return AuthPayload(token=None, viewer=None, errors=checks.errors)
    # Before the lookup (it tells whether an email is taken) and the argon2 hash.
    await count_registration(context)
    if taken := await users.taken_names(context.db, username, email):
        return AuthPayload(token=None, viewer=None, errors=_taken(taken))
    passwords, tokens = context.hasher_and_tokens()
    password_hash = await passwords.hash(password)
    try:
        async with context.db.transaction() as tx:
            row = await users.insert_user(tx, username, email, password_hash)
    except UniqueViolation as error:  # a concurrent registration won the race
        return AuthPayload(token=None, viewer=None, errors=_taken_by_violation(error))
    return AuthPayload(token=tokens.issue(row["id"], 0), viewer=Viewer.from_row(row), errors=[])


async def login(info: Info, input: LoginInput) -> AuthPayload:
    context = info.context
    email = input.email.strip().lower()
    await count_login_attempt(context, email)
    passwords, tokens = context.hasher_and_tokens()
    credentials = await users.credentials_by_email(context.db, email)
    # An unknown email still costs one verification, so timing tells nothing.
    verified = await passwords.verify(credentials["password_hash"] if credentials else None, input.password)
    if credentials is None or not verified:
        error = UserError(field=None, message="Email and password do not match.", code=UserErrorCode.BAD_CREDENTIALS)
        return AuthPayload(token=None, viewer=None, errors=[error])
    user_id = credentials["id"]
    await forget_account_attempts(context, email)
    if passwords.needs_rehash(credentials["password_hash"]):
        async with context.db.transaction() as tx:
            await users.set_password_hash(tx, user_id, await passwords.hash(input.password))
    row = await context.loaders.user.load(user_id)
    return AuthPayload(
        token=tokens.issue(user_id, credentials["token_version"]), viewer=Viewer.from_row(row), errors=[]
    )


async def update_viewer(info: Info, input: UpdateViewerInput) -> UpdateViewerPayload:
    context = info.context
    viewer_id = require_viewer(context)
    checks = Checks()
    username = checks.username(input.username) if input.username is not None else None
    email = checks.email(input.email) if input.email is not None else None
    password = checks.password(input.password) if input.password is not None else None
    bio = checks.text("bio", input.bio, maximum=BIO_MAX, required=False) if input.bio is not None else None
    image = input.image.strip() if input.image is not None else None
    if image:
        image = checks.image(image)
    if checks.errors:
        return UpdateViewerPayload(viewer=None, errors=checks.errors)
    if (username or email) and (taken := await users.taken_names(context.db, username, email, viewer_id)):
        return UpdateViewerPayload(viewer=None, errors=_taken(taken))
    # Only a new password needs the hasher and a fresh token (a hand-built test Context has neither).
    credentials, password_hash = None, None
    if password is not None:
        credentials = context.hasher_and_tokens()
        password_hash = await credentials[0].hash(password)
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
                clear_bio=bio == "",
                clear_image=image == "",
            )
    except UniqueViolation as error:
        return UpdateViewerPayload(viewer=None, errors=_taken_by_violation(error))
    context.reset_loaders()
    token = credentials[1].issue(viewer_id, row["token_version"]) if credentials else None
    return UpdateViewerPayload(viewer=Viewer.from_row(row), errors=[], token=token)
