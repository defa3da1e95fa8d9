"""Shapes written the way Apollo Client and urql send them (the C* shapes beside Q1..M2).

What a normalized cache makes a client send: `__typename` on every object,
fragments, `@include`, `node` refetches, viewer fields on two levels, and for
each mutation the payload the cache needs to update itself (ids, the changed
fields, the objects around them). Each has a PostGraphile document with the
same meaning (SQL functions in bench/postgraphile/functions.sql where the
contract has no table-shaped equivalent) and a reference answer straight from
SQL (`reference`, compared by bench/checks.py before any load). The plain
endpoint serves none of them (no `plain_route`).

Toggle shapes (favorite, follow) send two documents, one operation each, as
clients do: `ours`/`postgraphile` map operation names to documents and each
request names its operation under `OPERATION`.
"""

import base64
from dataclasses import replace
from typing import Any

import asyncpg

from bench.shape_types import ARTICLE_BODY, OPERATION, UNIQUE, Params, Shape, node_key
from graph.ids import encode_id
from graph.passwords import hash_password_sync
from graph.validation import slugify

PAGE = 20
FOLLOW_USERS = 200  # CM4 walks follow/unfollow pairs over this many users
WRITER_ARTICLES = 200  # CM2 edits these of the writer's in turn (one row would measure its lock)


def postgraphile_id(type_name: str, row_id: int) -> str:
    """PostGraphile 5's node ID: base64 of the JSON [type name, primary key]."""
    return base64.b64encode(f'["{type_name}",{row_id}]'.encode()).decode()


def _tags(article: dict) -> list[str]:
    if "tags" in article:
        return article["tags"]
    return sorted(link["tagByTagId"]["name"] for link in article["articleTagsByArticleId"]["nodes"])


def _author(article: dict) -> dict:
    return article["author"] if "author" in article else article["userByAuthorId"]


def _nodes(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]] if "edges" in connection else connection["nodes"]


def _comments(article: dict) -> Any:
    connection = article.get("comments", article.get("commentsByArticleId"))
    if connection is None:
        return None
    return [
        {"id": node_key(c["id"]), "body": c["body"], "author": c.get("author", c.get("userByAuthorId"))["username"]}
        for c in _nodes(connection)
    ]


def _comment_rows(rows) -> list[dict]:
    return [{"id": r["id"], "body": r["body"], "author": r["username"]} for r in rows]


COMMENTS_OF = """SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.author_id
    WHERE c.article_id = $1 ORDER BY c.created_at, c.id LIMIT $2"""
TAGS_OF = """ARRAY(SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
    WHERE x.article_id = a.id ORDER BY t.name)"""


# --- CQ1: an Apollo home page -------------------------------------------------------------------

CQ1_OURS = """query HomeArticles($first: Int!, $after: String) {
  articles(first: $first, after: $after) {
    __typename
    edges { __typename cursor node { __typename ...ArticlePreview } }
    pageInfo { __typename hasNextPage endCursor }
  }
}
fragment ArticlePreview on Article {
  id slug title description createdAt favoritesCount tags
  author { __typename ...AuthorSummary }
}
fragment AuthorSummary on User { id username image }"""

CQ1_POSTGRAPHILE = """query HomeArticles($first: Int!, $after: Cursor) {
  allArticles(first: $first, after: $after, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
    __typename
    edges { __typename cursor node { __typename ...ArticlePreview } }
    pageInfo { __typename hasNextPage endCursor }
  }
}
fragment ArticlePreview on Article {
  id slug title description createdAt favoritesCount
  articleTagsByArticleId { __typename nodes { __typename tagByTagId { __typename name } } }
  userByAuthorId { __typename ...AuthorSummary }
}
fragment AuthorSummary on User { id username image }"""


def _preview(article: dict) -> dict:
    author = _author(article)
    return {
        "id": node_key(article["id"]),
        "slug": article["slug"],
        "title": article["title"],
        "description": article["description"],
        "favoritesCount": article["favoritesCount"],
        "tags": _tags(article),
        "author": {"username": author["username"], "image": author["image"]},
    }


def _cq1_normal(data: dict) -> dict:
    (connection,) = data.values()
    return {
        "articles": [_preview(a) for a in _nodes(connection)],
        "hasNextPage": connection["pageInfo"]["hasNextPage"],
    }


async def _cq1_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    rows = await connection.fetch(
        f"""SELECT a.id, a.slug, a.title, a.description, a.favorites_count, u.username, u.image, {TAGS_OF} AS tags
        FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT $1""",
        PAGE + 1,
    )
    return {
        "articles": [
            {
                "id": r["id"],
                "slug": r["slug"],
                "title": r["title"],
                "description": r["description"],
                "favoritesCount": r["favorites_count"],
                "tags": list(r["tags"]),
                "author": {"username": r["username"], "image": r["image"]},
            }
            for r in rows[:PAGE]
        ],
        "hasNextPage": len(rows) > PAGE,
    }


CQ1 = Shape(
    name="CQ1",
    summary="Apollo home page: 20 newest articles, __typename everywhere, fragments, cursors, pageInfo, tags",
    signed_in=False,
    writes=False,
    ours=CQ1_OURS,
    postgraphile=CQ1_POSTGRAPHILE,
    requests=lambda p: [({"first": PAGE, "after": None},) * 2 + ({},)],
    normalize_ours=_cq1_normal,
    normalize_postgraphile=_cq1_normal,
    plain_route=None,
    reference=_cq1_reference,
)


# --- CQ2: an article page with its comments behind @include ----------------------------------------

CQ2_OURS = """query ArticlePage($slug: String!, $withComments: Boolean!) {
  article(slug: $slug) {
    __typename id slug title body favoritesCount tags
    author { __typename id username bio image }
    comments(first: 10) @include(if: $withComments) {
      __typename
      edges { __typename node { __typename id body author { __typename id username } } }
    }
  }
}"""

CQ2_POSTGRAPHILE = """query ArticlePage($slug: String!, $withComments: Boolean!) {
  articleBySlug(slug: $slug) {
    __typename id slug title body favoritesCount
    articleTagsByArticleId { __typename nodes { __typename tagByTagId { __typename name } } }
    userByAuthorId { __typename id username bio image }
    commentsByArticleId(first: 10, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) @include(if: $withComments) {
      __typename
      nodes { __typename id body userByAuthorId { __typename id username } }
    }
  }
}"""


def _page(article: dict) -> dict:
    author = _author(article)
    return {
        "id": node_key(article["id"]),
        "slug": article["slug"],
        "title": article["title"],
        "body": article["body"],
        "favoritesCount": article["favoritesCount"],
        "tags": _tags(article),
        "author": {"username": author["username"], "bio": author["bio"], "image": author["image"]},
        "comments": _comments(article),
    }


async def _article_page(connection: asyncpg.Connection, slug: str, with_comments: bool) -> dict:
    row = await connection.fetchrow(
        f"""SELECT a.id, a.slug, a.title, a.body, a.favorites_count, u.username, u.bio, u.image, {TAGS_OF} AS tags
        FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1""",
        slug,
    )
    comments = _comment_rows(await connection.fetch(COMMENTS_OF, row["id"], 10)) if with_comments else None
    return {
        "id": row["id"],
        "slug": row["slug"],
        "title": row["title"],
        "body": row["body"],
        "favoritesCount": row["favorites_count"],
        "tags": list(row["tags"]),
        "author": {"username": row["username"], "bio": row["bio"], "image": row["image"]},
        "comments": comments,
    }


def _cq2_requests(p: Params) -> list[tuple[dict, dict, dict]]:
    return [({"slug": p.slug, "withComments": w},) * 2 + ({},) for w in (True, False)]


CQ2 = Shape(
    name="CQ2",
    summary="an article page by slug, its 10 oldest comments behind @include(if: $withComments), true and false",
    signed_in=False,
    writes=False,
    ours=CQ2_OURS,
    postgraphile=CQ2_POSTGRAPHILE,
    requests=_cq2_requests,
    normalize_ours=lambda d: _page(d["article"]),
    normalize_postgraphile=lambda d: _page(d["articleBySlug"]),
    plain_route=None,
    reference=lambda connection, p, c: _article_page(connection, p.slug, c["variables"]["withComments"]),
)


# --- CQ3: a node refetch ---------------------------------------------------------------------------

CQ3_OURS = """query ArticleRefetch($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Article {
      slug title
      author { __typename id username }
      comments(first: 10) {
        __typename edges { __typename node { __typename id body author { __typename id username } } }
      }
    }
  }
}"""

CQ3_POSTGRAPHILE = """query ArticleRefetch($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Article {
      slug title
      userByAuthorId { __typename id username }
      commentsByArticleId(first: 10, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
        __typename nodes { __typename id body userByAuthorId { __typename id username } }
      }
    }
  }
}"""


def _refetched(article: dict) -> dict:
    return {
        "type": article["__typename"],
        "id": node_key(article["id"]),
        "slug": article["slug"],
        "title": article["title"],
        "author": _author(article)["username"],
        "comments": _comments(article),
    }


async def _cq3_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    article_id = params.article_ids[0]
    row = await connection.fetchrow(
        "SELECT a.slug, a.title, u.username FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id = $1",
        article_id,
    )
    comments = _comment_rows(await connection.fetch(COMMENTS_OF, article_id, 10))
    return {
        "type": "Article",
        "id": article_id,
        "slug": row["slug"],
        "title": row["title"],
        "author": row["username"],
        "comments": comments,
    }


CQ3 = Shape(
    name="CQ3",
    summary="node(id:) refetch of an article with its author and 10 comments (inline fragment on Article)",
    signed_in=False,
    writes=False,
    ours=CQ3_OURS,
    postgraphile=CQ3_POSTGRAPHILE,
    requests=lambda p: [
        ({"id": encode_id("Article", p.article_ids[0])}, {"id": postgraphile_id("Article", p.article_ids[0])}, {})
    ],
    normalize_ours=lambda d: _refetched(d["node"]),
    normalize_postgraphile=lambda d: _refetched(d["node"]),
    plain_route=None,
    reference=_cq3_reference,
)


# --- CQ4: a signed-in list with viewer fields on two levels ----------------------------------------

CQ4_OURS = """query SignedInHome {
  viewer { __typename user { __typename id username } }
  articles(first: 20) {
    __typename
    edges { __typename node {
      __typename id title favoritesCount viewerHasFavorited
      author { __typename id username viewerIsFollowing }
    } }
  }
}"""

CQ4_POSTGRAPHILE = """query SignedInHome {
  currentViewer { __typename id username }
  allArticles(first: 20, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
    __typename
    nodes {
      __typename id title favoritesCount viewerHasFavorited
      userByAuthorId { __typename id username viewerIsFollowing }
    }
  }
}"""


def _signed_in(viewer: dict, connection: dict) -> dict:
    return {
        "viewer": viewer["username"],
        "articles": [
            {
                "id": node_key(a["id"]),
                "title": a["title"],
                "favoritesCount": a["favoritesCount"],
                "viewerHasFavorited": a["viewerHasFavorited"],
                "author": _author(a)["username"],
                "viewerIsFollowing": _author(a)["viewerIsFollowing"],
            }
            for a in _nodes(connection)
        ],
    }


async def _cq4_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    reader = context["reader_id"]
    rows = await connection.fetch(
        """SELECT a.id, a.title, a.favorites_count, u.username,
            EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1) AS favorited,
            EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id AND f.follower_id = $1) AS following
        FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT 20""",
        reader,
    )
    return {
        "viewer": params.username,
        "articles": [
            {
                "id": r["id"],
                "title": r["title"],
                "favoritesCount": r["favorites_count"],
                "viewerHasFavorited": r["favorited"],
                "author": r["username"],
                "viewerIsFollowing": r["following"],
            }
            for r in rows
        ],
    }


CQ4 = Shape(
    name="CQ4",
    summary="signed in: the viewer and 20 newest articles with viewerHasFavorited and author.viewerIsFollowing",
    signed_in=True,
    writes=False,
    ours=CQ4_OURS,
    postgraphile=CQ4_POSTGRAPHILE,
    requests=lambda p: [({}, {}, {})],
    normalize_ours=lambda d: _signed_in(d["viewer"]["user"], d["articles"]),
    normalize_postgraphile=lambda d: _signed_in(d["currentViewer"], d["allArticles"]),
    plain_route=None,
    reference=_cq4_reference,
)


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
    author = _author(article)
    return {
        "title": article["title"],
        "description": article["description"],
        "body": article["body"],
        "slug": article["slug"],
        "tags": _tags(article),
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
        "firstComments": _comments(article),
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
    first = _comment_rows(await connection.fetch(COMMENTS_OF, article_id, 3))
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


# --- Deletes: each request deletes a row made for it (`fresh`), before each check and each load ---

FRESH_PER_SECOND = 3000  # rows made per second of load: more than either system deletes


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
        "CM9, CM10: ours hashes with argon2id (19 MiB, t=2), PostGraphile's SQL functions with bcrypt (cost 8) "
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
        ($1, $1 || '@example.com', $3), ($2, $2 || '@example.com', crypt($4, gen_salt('bf', 8)))
        ON CONFLICT DO NOTHING""",
        LOGIN_USER,
        LOGIN_USER_POSTGRAPHILE,
        hash_password_sync(PASSWORD),
        PASSWORD,
    )


CLIENT_SHAPES = (CQ1, CQ2, CQ3, CQ4, CM1, CM2, CM3, CM4, CM5, CM6, CM7, CM8, CM9, CM10)
