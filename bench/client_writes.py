"""The client-style mutation shapes CM1..CM6 (bench/client_shapes.py says what they are for)."""

from typing import Any

import asyncpg

from bench.client_common import COMMENTS_SQL, article_tags, author_of, comment_rows, comments_of
from bench.shape_types import ARTICLE_BODY, OPERATION, UNIQUE, Params, Shape, node_key
from graph.relay.ids import encode_id
from graph.schema.input_checks import slugify

# --- Mutations, with the payload a normalized cache asks for -------------------------------------

ERRORS = "errors { __typename field message code }"
ARTICLE_FIELDS_OURS = """fragment ArticleFields on Article {
  id slug title description body tags favoritesCount viewerHasFavorited
  author { __typename id username image viewerIsFollowing }
}"""
ARTICLE_FIELDS_POSTGRAPHILE = """fragment ArticleFields on Article {
  id slug title description body favoritesCount viewerHasFavorited
  articleTagsByArticleId { __typename nodes { __typename tagByTagId { __typename name } } }
  userByAuthorId { __typename id username image viewerIsFollowing }
}"""

CM1_INPUT = {
    "title": f"Client article {UNIQUE}",
    "description": "Written by the benchmark, Apollo style.",
    "body": ARTICLE_BODY.strip(),  # ours trims text inputs, PostGraphile's function stores them as sent
    "tags": [f"{UNIQUE}c", f"{UNIQUE}d"],
}


def _written(article: dict) -> dict:
    author = author_of(article)
    return {
        "title": article["title"],
        "description": article["description"],
        "body": article["body"],
        "slug": article["slug"],
        "tags": article_tags(article),
        "favoritesCount": article["favoritesCount"],
        "viewerHasFavorited": article["viewerHasFavorited"],
        "author": author["username"],
        "viewerIsFollowing": author["viewerIsFollowing"],
    }


async def _cm1_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    unique = context["unique"]
    title = CM1_INPUT["title"].replace(UNIQUE, unique)
    stored = await connection.fetchval(
        "SELECT count(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE a.title = $1 AND u.username = $2",
        title,
        params.writer,
    )
    if stored != 1:
        return {"stored_articles_with_that_title": stored}
    return {
        "title": title,
        "description": CM1_INPUT["description"],
        "body": CM1_INPUT["body"],
        "slug": slugify(title),
        "tags": sorted(tag.replace(UNIQUE, unique) for tag in CM1_INPUT["tags"]),
        "favoritesCount": 0,
        "viewerHasFavorited": False,
        "author": params.writer,
        "viewerIsFollowing": False,
    }


CM1 = Shape(
    name="CM1",
    summary="createArticle, Apollo payload: the article through a fragment with tags, author, viewer fields",
    signed_in=True,
    writes=True,
    ours="""mutation CreateArticle($input: CreateArticleInput!) {
  createArticle(input: $input) { __typename article { __typename ...ArticleFields } ERRORS }
}
""".replace("ERRORS", ERRORS)
    + ARTICLE_FIELDS_OURS,
    postgraphile="""mutation CreateArticle($input: CreateArticleInput!) {
  createArticle(input: $input) { __typename result { __typename ...ArticleFields } }
}
"""
    + ARTICLE_FIELDS_POSTGRAPHILE,
    requests=lambda p: [({"input": CM1_INPUT}, {"input": CM1_INPUT}, {})],
    normalize_ours=lambda d: _written(d["createArticle"]["article"]),
    normalize_postgraphile=lambda d: _written(d["createArticle"]["result"]),
    plain_route=None,
    reference=_cm1_reference,
)


def _edited(article: dict) -> dict:
    return {"id": node_key(article["id"]), "slug": article["slug"], "description": article["description"]}


async def _cm2_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    article_id = node_key(context["variables"]["input"]["id"])
    row = await connection.fetchrow("SELECT slug, description FROM articles WHERE id = $1", article_id)
    expected = CM2_DESCRIPTION.replace(UNIQUE, context["unique"])
    if row["description"] != expected:
        return {"stored_description": row["description"]}
    return {"id": article_id, "slug": row["slug"], "description": expected}


CM2_DESCRIPTION = f"Edited {UNIQUE}"

CM2 = Shape(
    name="CM2",
    summary="updateArticle (the description) over the writer's 200 articles; payload: id, changed fields, updatedAt",
    signed_in=True,
    writes=True,
    ours="""mutation UpdateArticle($input: UpdateArticleInput!) {
  updateArticle(input: $input) {
    __typename article { __typename id slug title description updatedAt tags } ERRORS
  }
}""".replace("ERRORS", ERRORS),
    postgraphile="""mutation UpdateArticle($input: UpdateArticleInput!) {
  updateArticle(input: $input) {
    __typename result {
      __typename id slug title description updatedAt
      articleTagsByArticleId { __typename nodes { __typename tagByTagId { __typename name } } }
    }
  }
}""",
    requests=lambda p: [
        (
            {"input": {"id": encode_id("Article", article_id), "description": CM2_DESCRIPTION}},
            {"input": {"articleId": str(article_id), "description": CM2_DESCRIPTION}},
            {},
        )
        for article_id in p.writer_article_ids
    ],
    normalize_ours=lambda d: _edited(d["updateArticle"]["article"]),
    normalize_postgraphile=lambda d: _edited(d["updateArticle"]["result"]),
    plain_route=None,
    reference=_cm2_reference,
    notes=["PostGraphile: update_article(article_id, description) checks the author like ours does."],
)


def _toggle_requests(ids: list[int], type_name: str, ours_key: str, names: tuple[str, str]) -> list:
    requests = []
    for row_id in ids:
        for name in names:
            requests.append(
                (
                    {OPERATION: name, ours_key: encode_id(type_name, row_id)},
                    {OPERATION: name, ours_key: str(row_id)},
                    {},
                )
            )
    return requests


def _favorited(data: dict) -> dict:
    (payload,) = data.values()
    article = payload.get("article", payload.get("result"))
    return {
        "id": node_key(article["id"]),
        "favoritesCount": article["favoritesCount"],
        "viewerHasFavorited": article["viewerHasFavorited"],
    }


async def _cm3_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    article_id = params.article_ids[0]
    favorite = context["variables"][OPERATION] == "FavoriteArticle"
    row = await connection.fetchrow(
        """SELECT (SELECT count(*) FROM favorites WHERE article_id = $1) AS n,
                  EXISTS (SELECT 1 FROM favorites WHERE article_id = $1 AND user_id = $2) AS mine""",
        article_id,
        context["writer_id"],
    )
    if row["mine"] != favorite:
        return {"stored_favorite": row["mine"]}
    return {"id": article_id, "favoritesCount": row["n"], "viewerHasFavorited": favorite}


def _favorite_document(field_name: str, payload: str) -> str:
    operation = field_name[0].upper() + field_name[1:]
    return f"""mutation {operation}($articleId: {{id_type}}) {{
  {field_name}(input: {{articleId: $articleId}}) {{ __typename {payload} }}
}}"""


FAVORITE_OURS = "article { __typename id favoritesCount viewerHasFavorited } " + ERRORS
FAVORITE_POSTGRAPHILE = "result { __typename id favoritesCount viewerHasFavorited }"

CM3 = Shape(
    name="CM3",
    summary="favoriteArticle / unfavoriteArticle as two one-operation documents, alternating over 400 articles",
    signed_in=True,
    writes=True,
    ours={
        name: _favorite_document(field, FAVORITE_OURS).replace("{id_type}", "ID!")
        for name, field in (("FavoriteArticle", "favoriteArticle"), ("UnfavoriteArticle", "unfavoriteArticle"))
    },
    postgraphile={
        name: _favorite_document(field, FAVORITE_POSTGRAPHILE).replace("{id_type}", "BigInt!")
        for name, field in (("FavoriteArticle", "favoriteArticle"), ("UnfavoriteArticle", "unfavoriteArticle"))
    },
    requests=lambda p: _toggle_requests(
        p.article_ids, "Article", "articleId", ("FavoriteArticle", "UnfavoriteArticle")
    ),
    normalize_ours=_favorited,
    normalize_postgraphile=_favorited,
    plain_route=None,
    reference=_cm3_reference,
)


def _followed(data: dict) -> dict:
    (payload,) = data.values()
    user = payload.get("user", payload.get("result"))
    return {"id": node_key(user["id"]), "username": user["username"], "viewerIsFollowing": user["viewerIsFollowing"]}


async def _cm4_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    user_id = params.followee_ids[0]
    follow = context["variables"][OPERATION] == "FollowUser"
    row = await connection.fetchrow(
        """SELECT username, EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1) AS following
        FROM users WHERE id = $1""",
        user_id,
        context["writer_id"],
    )
    if row["following"] != follow:
        return {"stored_following": row["following"]}
    return {"id": user_id, "username": row["username"], "viewerIsFollowing": follow}


def _follow_document(field_name: str, payload: str, id_type: str) -> str:
    operation = field_name[0].upper() + field_name[1:]
    return f"""mutation {operation}($userId: {id_type}) {{
  {field_name}(input: {{userId: $userId}}) {{ __typename {payload} }}
}}"""


FOLLOW_OURS = "user { __typename id username viewerIsFollowing } " + ERRORS
FOLLOW_POSTGRAPHILE = "result { __typename id username viewerIsFollowing }"

CM4 = Shape(
    name="CM4",
    summary="followUser / unfollowUser as two one-operation documents, alternating over 200 users",
    signed_in=True,
    writes=True,
    ours={
        name: _follow_document(field, FOLLOW_OURS, "ID!")
        for name, field in (("FollowUser", "followUser"), ("UnfollowUser", "unfollowUser"))
    },
    postgraphile={
        name: _follow_document(field, FOLLOW_POSTGRAPHILE, "BigInt!")
        for name, field in (("FollowUser", "followUser"), ("UnfollowUser", "unfollowUser"))
    },
    requests=lambda p: _toggle_requests(p.followee_ids, "User", "userId", ("FollowUser", "UnfollowUser")),
    normalize_ours=_followed,
    normalize_postgraphile=_followed,
    plain_route=None,
    reference=_cm4_reference,
)


CM5_BODY = f"A comment from the benchmark {UNIQUE}"


def _comment(comment: dict) -> dict:
    article = comment.get("article", comment.get("articleByArticleId"))
    return {
        "body": comment["body"],
        "author": comment.get("author", comment.get("userByAuthorId"))["username"],
        "article": node_key(article["id"]),
        "firstComments": comments_of(article),
    }


async def _cm5_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    article_id = params.article_ids[1]
    body = CM5_BODY.replace(UNIQUE, context["unique"])
    stored = await connection.fetchval(
        "SELECT count(*) FROM comments WHERE body = $1 AND article_id = $2 AND author_id = $3",
        body,
        article_id,
        context["writer_id"],
    )
    if stored != 1:
        return {"stored_comments_with_that_body": stored}
    first = comment_rows(await connection.fetch(COMMENTS_SQL, article_id, 3))
    return {"body": body, "author": params.writer, "article": article_id, "firstComments": first}


CM5 = Shape(
    name="CM5",
    summary="addComment; payload: the comment, its author, its article and the article's 3 oldest comments",
    signed_in=True,
    writes=True,
    ours="""mutation AddComment($articleId: ID!, $body: String!) {
  addComment(input: {articleId: $articleId, body: $body}) {
    __typename
    comment {
      __typename id body createdAt
      author { __typename id username image }
      article { __typename id comments(first: 3) { __typename edges { __typename node {
        __typename id body author { __typename id username }
      } } } }
    }
    ERRORS
  }
}""".replace("ERRORS", ERRORS),
    postgraphile="""mutation AddComment($articleId: BigInt!, $body: String!) {
  addComment(input: {articleId: $articleId, body: $body}) {
    __typename
    result {
      __typename id body createdAt
      userByAuthorId { __typename id username image }
      articleByArticleId { __typename id commentsByArticleId(first: 3, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
        __typename nodes { __typename id body userByAuthorId { __typename id username } }
      } }
    }
  }
}""",
    requests=lambda p: [
        (
            {"articleId": encode_id("Article", p.article_ids[1]), "body": CM5_BODY},
            {"articleId": str(p.article_ids[1]), "body": CM5_BODY},
            {},
        )
    ],
    normalize_ours=lambda d: _comment(d["addComment"]["comment"]),
    normalize_postgraphile=lambda d: _comment(d["addComment"]["result"]),
    plain_route=None,
    reference=_cm5_reference,
)


CM6_BIO = f"Benchmark bio {UNIQUE}"


def _profile(user: dict) -> dict:
    return {"username": user["username"], "bio": user["bio"], "image": user["image"]}


async def _cm6_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    row = await connection.fetchrow("SELECT username, bio, image FROM users WHERE id = $1", context["writer_id"])
    if row["bio"] != CM6_BIO.replace(UNIQUE, context["unique"]):
        return {"stored_bio": row["bio"]}
    return {"username": row["username"], "bio": row["bio"], "image": row["image"]}


CM6 = Shape(
    name="CM6",
    summary="updateViewer (the bio); payload: the viewer's user, errors and token",
    signed_in=True,
    writes=True,
    ours="""mutation UpdateSettings($input: UpdateViewerInput!) {
  updateViewer(input: $input) {
    __typename token viewer { __typename email user { __typename id username bio image } } ERRORS
  }
}""".replace("ERRORS", ERRORS),
    postgraphile="""mutation UpdateSettings($input: UpdateViewerInput!) {
  updateViewer(input: $input) { __typename result { __typename id username bio image } }
}""",
    requests=lambda p: [({"input": {"bio": CM6_BIO}}, {"input": {"bio": CM6_BIO}}, {})],
    normalize_ours=lambda d: _profile(d["updateViewer"]["viewer"]["user"]),
    normalize_postgraphile=lambda d: _profile(d["updateViewer"]["result"]),
    plain_route=None,
    reference=_cm6_reference,
    notes=["Every CM6 request updates the writer's one row: requests queue on its lock, on both systems alike."],
)
