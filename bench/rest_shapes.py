"""The REST shapes RQ1..RM1: the RealWorld API under /api, each beside its GraphQL equivalent.

Ours and the plain endpoint answer them over REST (`rest`: method, path and
body per request, the same for both); PostGraphile answers the GraphQL
document of the equivalent shape (CQ1, CQ4, Q4, M2), which is what a
RealWorld frontend on PostGraphile would send for the same screen. `ours`
holds our GraphQL equivalent too, for reference (tests validate it). Every
answer is normalized to one form without row ids (REST names articles by
slug), and compared with SQL.
"""

from typing import Any

import asyncpg

from bench.client_common import PAGE, TAGS_SQL, article_tags, author_of, nodes_of
from bench.client_reads import CQ1_OURS, CQ1_POSTGRAPHILE, CQ4_OURS, CQ4_POSTGRAPHILE
from bench.shape_types import Params, Shape

Request = tuple[str, str, bytes]


def _rest_preview(article: dict) -> dict:
    return {
        "title": article["title"],
        "favoritesCount": article["favoritesCount"],
        "author": article["author"]["username"],
        "tags": sorted(article["tagList"]),
    }


def _graphql_preview(article: dict) -> dict:
    return {
        "title": article["title"],
        "favoritesCount": article["favoritesCount"],
        "author": author_of(article)["username"],
        "tags": sorted(article_tags(article)),
    }


async def _rq1_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    rows = await connection.fetch(
        f"""SELECT a.title, a.favorites_count, u.username, {TAGS_SQL} AS tags
        FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT $1""",
        PAGE,
    )
    return [
        {"title": r["title"], "favoritesCount": r["favorites_count"], "author": r["username"], "tags": list(r["tags"])}
        for r in rows
    ]


RQ1 = Shape(
    name="RQ1",
    summary="REST GET /api/articles?limit=20, anonymous (PostGraphile: CQ1's document)",
    signed_in=False,
    writes=False,
    ours=CQ1_OURS,
    postgraphile=CQ1_POSTGRAPHILE,
    requests=lambda p: [({"first": PAGE, "after": None},) * 2 + ({},)],
    rest=lambda p: [("GET", f"/api/articles?limit={PAGE}", b"")],
    normalize_ours=lambda d: [_rest_preview(a) for a in d["articles"]],
    normalize_postgraphile=lambda d: [_graphql_preview(a) for a in nodes_of(d["allArticles"])],
    plain_route=None,
    reference=_rq1_reference,
    notes=["REST answers also carry body, description, dates, bio and articlesCount; CQ1's document does not."],
)


def _rest_signed_in(article: dict) -> dict:
    return {
        "title": article["title"],
        "favoritesCount": article["favoritesCount"],
        "favorited": article["favorited"],
        "author": article["author"]["username"],
        "following": article["author"]["following"],
    }


def _graphql_signed_in(article: dict) -> dict:
    author = author_of(article)
    return {
        "title": article["title"],
        "favoritesCount": article["favoritesCount"],
        "favorited": article["viewerHasFavorited"],
        "author": author["username"],
        "following": author["viewerIsFollowing"],
    }


async def _rq2_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    rows = await connection.fetch(
        """SELECT a.title, a.favorites_count, u.username,
            EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1) AS favorited,
            EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id AND f.follower_id = $1) AS following
        FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT $2""",
        context["reader_id"],
        PAGE,
    )
    return [
        {
            "title": r["title"],
            "favoritesCount": r["favorites_count"],
            "favorited": r["favorited"],
            "author": r["username"],
            "following": r["following"],
        }
        for r in rows
    ]


RQ2 = Shape(
    name="RQ2",
    summary="REST GET /api/articles?limit=20, signed in: favorited and author.following (PostGraphile: CQ4's)",
    signed_in=True,
    writes=False,
    ours=CQ4_OURS,
    postgraphile=CQ4_POSTGRAPHILE,
    requests=lambda p: [({}, {}, {})],
    rest=lambda p: [("GET", f"/api/articles?limit={PAGE}", b"")],
    normalize_ours=lambda d: [_rest_signed_in(a) for a in d["articles"]],
    normalize_postgraphile=lambda d: [_graphql_signed_in(a) for a in d["allArticles"]["nodes"]],
    plain_route=None,
    reference=_rq2_reference,
)

RQ3_OURS = """query Feed {
  viewer { feed(first: 20) { edges { node {
    title favoritesCount viewerHasFavorited tags author { username viewerIsFollowing }
  } } } }
}"""
RQ3_POSTGRAPHILE = """query Feed {
  viewerFeed(first: 20) {
    nodes {
      title favoritesCount viewerHasFavorited
      articleTagsByArticleId { nodes { tagByTagId { name } } }
      userByAuthorId { username }
    }
  }
}"""


def _feed_item(article: dict) -> dict:
    return {
        "title": article["title"],
        "favoritesCount": article["favoritesCount"],
        "favorited": article["viewerHasFavorited"] if "viewerHasFavorited" in article else article["favorited"],
        "author": author_of(article)["username"],
        "tags": sorted(article_tags(article) if "tagList" not in article else article["tagList"]),
    }


async def _rq3_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    from bench import reference  # it imports bench.shapes, which lists these shapes

    return [
        {key: item[key] for key in ("title", "favoritesCount", "author", "tags")}
        | {"favorited": item["viewerHasFavorited"]}
        for item in await reference.q4(connection, context["reader_id"])
    ]


RQ3 = Shape(
    name="RQ3",
    summary="REST GET /api/articles/feed (limit 20), signed in (PostGraphile: Q4's feed)",
    signed_in=True,
    writes=False,
    ours=RQ3_OURS,
    postgraphile=RQ3_POSTGRAPHILE,
    requests=lambda p: [({}, {}, {})],
    rest=lambda p: [("GET", f"/api/articles/feed?limit={PAGE}", b"")],
    normalize_ours=lambda d: [_feed_item(a) for a in d["articles"]],
    normalize_postgraphile=lambda d: [_feed_item(a) for a in d["viewerFeed"]["nodes"]],
    plain_route=None,
    reference=_rq3_reference,
)

RM1_OURS = """mutation Favorite($id: ID!, $favorite: Boolean!) {
  favoriteArticle(input: {articleId: $id}) @include(if: $favorite) { article { favoritesCount viewerHasFavorited } }
  unfavoriteArticle(input: {articleId: $id}) @skip(if: $favorite) { article { favoritesCount viewerHasFavorited } }
}"""
RM1_POSTGRAPHILE = """mutation Favorite($id: BigInt!, $favorite: Boolean!) {
  favoriteArticle(input: {articleId: $id}) @include(if: $favorite) { result { favoritesCount viewerHasFavorited } }
  unfavoriteArticle(input: {articleId: $id}) @skip(if: $favorite) { result { favoritesCount viewerHasFavorited } }
}"""


def _rm1_requests(p: Params) -> list[tuple[dict, dict, dict]]:
    from graph.relay.ids import encode_id

    return [
        ({"id": encode_id("Article", article_id), "row": article_id, "favorite": favorite},)
        + ({"id": str(article_id), "favorite": favorite}, {})
        for article_id in p.article_ids
        for favorite in (True, False)
    ]


def _rm1_rest(p: Params) -> list[Request]:
    return [
        (method, f"/api/articles/{slug}/favorite", b"") for slug in p.article_slugs for method in ("POST", "DELETE")
    ]


def _rm1_graphql(d: dict) -> dict:
    (payload,) = d.values()
    article = payload.get("article") or payload["result"]
    return {"favoritesCount": article["favoritesCount"], "favorited": article["viewerHasFavorited"]}


async def _rm1_reference(connection: asyncpg.Connection, params: Params, context: dict) -> Any:
    from bench import reference

    variables = context["variables"]
    expected = await reference.m2(connection, variables["row"], context["writer_id"], variables["favorite"])
    if "stored_favorite" in expected:
        return expected
    return {"favoritesCount": expected["favoritesCount"], "favorited": expected["viewerHasFavorited"]}


RM1 = Shape(
    name="RM1",
    summary="REST POST then DELETE /api/articles/{slug}/favorite, alternating over 400 articles (PostGraphile: M2's)",
    signed_in=True,
    writes=True,
    ours=RM1_OURS,
    postgraphile=RM1_POSTGRAPHILE,
    requests=_rm1_requests,
    rest=_rm1_rest,
    normalize_ours=lambda d: {"favoritesCount": d["article"]["favoritesCount"], "favorited": d["article"]["favorited"]},
    normalize_postgraphile=_rm1_graphql,
    plain_route=None,
    reference=_rm1_reference,
)

REST_SHAPES = (RQ1, RQ2, RQ3, RM1)
