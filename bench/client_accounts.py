"""The client-style shapes that use rows up or sign in: CM7..CM10 (deletes, register, login)."""

from dataclasses import replace
from typing import Any

import asyncpg

from bench.client_writes import ERRORS
from bench.shape_types import UNIQUE, Params, Shape, node_key
from graph.auth.passwords import hash_password_sync
from graph.relay.ids import encode_id

# --- Deletes: each request deletes a row made for it (`fresh`), before each check and each load ---

FRESH_PER_SECOND = 10_000  # rows per second of load; each of wrk's two threads starts halfway through: 5,000 each


async def _fresh_articles(connection: asyncpg.Connection, params: Params, count: int) -> Params:
    rows = await connection.fetch(
        """INSERT INTO articles (author_id, slug, title, description, body, created_at, updated_at)
        SELECT u.id, 'bench-delete-' || gen_random_uuid(), 'To be deleted', 'Made for deleteArticle.', 'Body.',
               timestamptz '2000-01-01', timestamptz '2000-01-01'
        FROM users u, generate_series(1, $2) WHERE u.username = $1 RETURNING id""",
        params.writer,
        count,
    )
    return replace(params, deletable_ids=[r["id"] for r in rows])


async def _fresh_comments(connection: asyncpg.Connection, params: Params, count: int) -> Params:
    rows = await connection.fetch(
        """INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
        SELECT $3, u.id, 'To be deleted', timestamptz '2000-01-01', timestamptz '2000-01-01'
        FROM users u, generate_series(1, $2) WHERE u.username = $1 RETURNING id""",
        params.writer,
        count,
        params.article_ids[2],
    )
    return replace(params, deletable_ids=[r["id"] for r in rows])


def _delete_requests(p: Params, type_name: str, ours_key: str, postgraphile_key: str) -> list:
    return [
        ({"input": {ours_key: encode_id(type_name, row_id)}}, {"input": {postgraphile_key: str(row_id)}}, {})
        for row_id in p.deletable_ids
    ]


def _gone(count_statement: str):
    async def reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
        (row_id,) = (node_key(value) for value in context["variables"]["input"].values())
        left = await connection.fetchval(count_statement, row_id)
        return {"deleted": row_id} if left == 0 else {"still_stored": row_id}

    return reference


CM7 = Shape(
    name="CM7",
    summary="deleteArticle of one of the writer's articles (a fresh one per request); payload: deletedArticleId",
    signed_in=True,
    writes=True,
    ours="""mutation DeleteArticle($input: DeleteArticleInput!) {
  deleteArticle(input: $input) { __typename deletedArticleId ERRORS }
}""".replace("ERRORS", ERRORS),
    postgraphile="""mutation DeleteArticle($input: DeleteArticleInput!) {
  deleteArticle(input: $input) { __typename result { __typename id } }
}""",
    requests=lambda p: _delete_requests(p, "Article", "id", "articleId"),
    normalize_ours=lambda d: {"deleted": node_key(d["deleteArticle"]["deletedArticleId"])},
    normalize_postgraphile=lambda d: {"deleted": node_key(d["deleteArticle"]["result"]["id"])},
    plain_route=None,
    reference=_gone("SELECT count(*) FROM articles WHERE id = $1"),
    fresh=_fresh_articles,
    notes=[
        "CM7, CM8: the rows to delete are inserted before each check and each load (dated 2000: no page shows them)."
    ],
)

CM8 = Shape(
    name="CM8",
    summary="deleteComment of one of the writer's comments (a fresh one per request); payload: deletedCommentId",
    signed_in=True,
    writes=True,
    ours="""mutation DeleteComment($input: DeleteCommentInput!) {
  deleteComment(input: $input) { __typename deletedCommentId ERRORS }
}""".replace("ERRORS", ERRORS),
    postgraphile="""mutation DeleteComment($input: DeleteCommentInput!) {
  deleteComment(input: $input) { __typename result { __typename id } }
}""",
    requests=lambda p: _delete_requests(p, "Comment", "id", "commentId"),
    normalize_ours=lambda d: {"deleted": node_key(d["deleteComment"]["deletedCommentId"])},
    normalize_postgraphile=lambda d: {"deleted": node_key(d["deleteComment"]["result"]["id"])},
    plain_route=None,
    reference=_gone("SELECT count(*) FROM comments WHERE id = $1"),
    fresh=_fresh_comments,
)


# --- register and login ---------------------------------------------------------------------------

PASSWORD = "benchmark-password"
REGISTER_INPUT = {"username": f"u{UNIQUE}", "email": f"u{UNIQUE}@example.com", "password": PASSWORD}
LOGIN_USER = "bench_login"  # ours: an argon2id hash
LOGIN_USER_POSTGRAPHILE = "bench_login_pg"  # its twin with a bcrypt hash, for PostGraphile's login()
AUTH_PAYLOAD = "token viewer { __typename email user { __typename id username bio image } } " + ERRORS


async def _cm9_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    username = REGISTER_INPUT["username"].replace(UNIQUE, context["unique"])
    email = await connection.fetchval("SELECT email FROM users WHERE username = $1", username)
    return {"username": username, "email": email}


CM9 = Shape(
    name="CM9",
    summary="register (a new user per request); payload: token and the viewer",
    signed_in=False,
    writes=False,
    ours="""mutation SignUp($input: RegisterInput!) { register(input: $input) { __typename AUTH } }""".replace(
        "AUTH", AUTH_PAYLOAD
    ),
    postgraphile="""mutation SignUp($input: RegisterInput!) {
  register(input: $input) { __typename result { __typename id username email bio image } }
}""",
    requests=lambda p: [({"input": REGISTER_INPUT}, {"input": REGISTER_INPUT}, {})],
    normalize_ours=lambda d: {
        "username": d["register"]["viewer"]["user"]["username"],
        "email": d["register"]["viewer"]["email"],
    },
    normalize_postgraphile=lambda d: {
        "username": d["register"]["result"]["username"],
        "email": d["register"]["result"]["email"],
    },
    plain_route=None,
    reference=_cm9_reference,
    notes=[
        "CM9, CM10: both at OWASP's minimum work factor: ours hashes with argon2id (19 MiB, t=2), PostGraphile's SQL "
        "functions with bcrypt (cost 10) "
        "through pgcrypto, and answer no token; the benchmark raises ours' login and registration limits "
        "(their counting statements still run)."
    ],
)


async def _cm10_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    return {"username": LOGIN_USER, "signedIn": True}


CM10 = Shape(
    name="CM10",
    summary="login with the right password; payload: token and the viewer",
    signed_in=False,
    writes=False,
    ours="""mutation SignIn($input: LoginInput!) { login(input: $input) { __typename AUTH } }""".replace(
        "AUTH", AUTH_PAYLOAD
    ),
    postgraphile="""mutation SignIn($input: LoginInput!) {
  login(input: $input) { __typename result { __typename id username email bio image } }
}""",
    requests=lambda p: [
        (
            {"input": {"email": f"{LOGIN_USER}@example.com", "password": PASSWORD}},
            {"input": {"email": f"{LOGIN_USER_POSTGRAPHILE}@example.com", "password": PASSWORD}},
            {},
        )
    ],
    normalize_ours=lambda d: {
        "username": d["login"]["viewer"]["user"]["username"],
        "signedIn": d["login"]["token"] is not None,
    },
    # Its twin account, by name: the same answer once the suffix is dropped.
    normalize_postgraphile=lambda d: {
        "username": d["login"]["result"]["username"].removesuffix("_pg"),
        "signedIn": d["login"]["result"] is not None,
    },
    plain_route=None,
    reference=_cm10_reference,
)


async def login_users(connection: asyncpg.Connection) -> None:
    """The two accounts CM10 signs in to, if missing."""
    await connection.execute(
        """INSERT INTO users (username, email, password_hash) VALUES
        ($1, $1 || '@example.com', $3), ($2, $2 || '@example.com', crypt($4, gen_salt('bf', 10)))
        ON CONFLICT DO NOTHING""",
        LOGIN_USER,
        LOGIN_USER_POSTGRAPHILE,
        hash_password_sync(PASSWORD),
        PASSWORD,
    )
