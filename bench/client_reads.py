"""The client-style read shapes CQ1..CQ4 (bench/client_shapes.py says what they are for)."""

from typing import Any

import asyncpg

from bench.client_common import (
    COMMENTS_SQL,
    PAGE,
    TAGS_SQL,
    article_tags,
    author_of,
    comment_rows,
    comments_of,
    nodes_of,
    postgraphile_id,
)
from bench.shape_types import Params, Shape, node_key
from graph.relay.ids import encode_id

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
    author = author_of(article)
    return {
        "id": node_key(article["id"]),
        "slug": article["slug"],
        "title": article["title"],
        "description": article["description"],
        "favoritesCount": article["favoritesCount"],
        "tags": article_tags(article),
        "author": {"username": author["username"], "image": author["image"]},
    }


def _cq1_normal(data: dict) -> dict:
    (connection,) = data.values()
    return {
        "articles": [_preview(a) for a in nodes_of(connection)],
        "hasNextPage": connection["pageInfo"]["hasNextPage"],
    }


async def _cq1_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    rows = await connection.fetch(
        f"""SELECT a.id, a.slug, a.title, a.description, a.favorites_count, u.username, u.image, {TAGS_SQL} AS tags
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
    author = author_of(article)
    return {
        "id": node_key(article["id"]),
        "slug": article["slug"],
        "title": article["title"],
        "body": article["body"],
        "favoritesCount": article["favoritesCount"],
        "tags": article_tags(article),
        "author": {"username": author["username"], "bio": author["bio"], "image": author["image"]},
        "comments": comments_of(article),
    }


async def _article_page(connection: asyncpg.Connection, slug: str, with_comments: bool) -> dict:
    row = await connection.fetchrow(
        f"""SELECT a.id, a.slug, a.title, a.body, a.favorites_count, u.username, u.bio, u.image, {TAGS_SQL} AS tags
        FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1""",
        slug,
    )
    comments = comment_rows(await connection.fetch(COMMENTS_SQL, row["id"], 10)) if with_comments else None
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
        "author": author_of(article)["username"],
        "comments": comments_of(article),
    }


async def _cq3_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    article_id = params.article_ids[0]
    row = await connection.fetchrow(
        "SELECT a.slug, a.title, u.username FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id = $1",
        article_id,
    )
    comments = comment_rows(await connection.fetch(COMMENTS_SQL, article_id, 10))
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
                "author": author_of(a)["username"],
                "viewerIsFollowing": author_of(a)["viewerIsFollowing"],
            }
            for a in nodes_of(connection)
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
