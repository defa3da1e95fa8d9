"""The benchmark's request shapes, as each system asks for them.

Every shape has: our GraphQL document, the PostGraphile v5 document with the
same meaning (PostGraphile names things after tables and foreign keys:
`allArticles`, `userByAuthorId`, `commentsByArticleId`, `rowId`...), the
plain endpoint's route, and a normalizer per answer style that reduces an
answer to a common form, compared with `bench.reference` before any load.

Request bodies may contain `@@N@@`, which the load generator replaces with a
unique token per request (createArticle needs distinct titles).

Q1..M2 are the original six; the C* shapes (bench/client_shapes.py) are
written the way Apollo Client and urql send documents.
"""

from bench.client_shapes import CLIENT_SHAPES
from bench.rest_shapes import REST_SHAPES
from bench.shape_types import (
    ARTICLE_BODY,
    M2_ARTICLES,
    OPERATION,
    UNIQUE,
    Params,
    Shape,
    node_key,
    ours_body,
    postgraphile_body,
)
from graph.relay.ids import encode_id

__all__ = [
    "ARTICLE_BODY",
    "M2_ARTICLES",
    "OPERATION",
    "UNIQUE",
    "Params",
    "Shape",
    "node_key",
    "ours_body",
    "postgraphile_body",
]


def _edges(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]]


def _pg_tags(article: dict) -> list[str]:
    return sorted(link["tagByTagId"]["name"] for link in article["articleTagsByArticleId"]["nodes"])


Q1 = Shape(
    name="Q1",
    summary="one user with their 10 newest article titles",
    signed_in=False,
    writes=False,
    ours="""query Q1($username: String!) {
  user(username: $username) { username articles(first: 10) { edges { node { title } } } }
}""",
    postgraphile="""query Q1($username: String!) {
  userByUsername(username: $username) {
    username
    articlesByAuthorId(first: 10, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { title } }
  }
}""",
    requests=lambda p: [({"username": p.username}, {"username": p.username}, {"username": p.username})],
    normalize_ours=lambda d: {
        "username": d["user"]["username"],
        "titles": [a["title"] for a in _edges(d["user"]["articles"])],
    },
    normalize_postgraphile=lambda d: {
        "username": d["userByUsername"]["username"],
        "titles": [a["title"] for a in d["userByUsername"]["articlesByAuthorId"]["nodes"]],
    },
    plain_route="/q1",
    notes=[
        "PostGraphile looks the user up through a SQL function (user_by_username), as ours does by lower(username)."
    ],
)

Q2 = Shape(
    name="Q2",
    summary="50 newest articles, each with its author and 5 oldest comments with their authors",
    signed_in=False,
    writes=False,
    ours="""query Q2 {
  articles(first: 50) {
    edges { node {
      id title author { username }
      comments(first: 5) { edges { node { id body author { username } } } }
    } }
  }
}""",
    postgraphile="""query Q2 {
  allArticles(first: 50, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
    nodes {
      id title userByAuthorId { username }
      commentsByArticleId(first: 5, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
        nodes { id body userByAuthorId { username } }
      }
    }
  }
}""",
    requests=lambda p: [({}, {}, {})],
    normalize_ours=lambda d: [
        {
            "id": node_key(a["id"]),
            "title": a["title"],
            "author": a["author"]["username"],
            "comments": [
                {"id": node_key(c["id"]), "body": c["body"], "author": c["author"]["username"]}
                for c in _edges(a["comments"])
            ],
        }
        for a in _edges(d["articles"])
    ],
    normalize_postgraphile=lambda d: [
        {
            "id": node_key(a["id"]),
            "title": a["title"],
            "author": a["userByAuthorId"]["username"],
            "comments": [
                {"id": node_key(c["id"]), "body": c["body"], "author": c["userByAuthorId"]["username"]}
                for c in a["commentsByArticleId"]["nodes"]
            ],
        }
        for a in d["allArticles"]["nodes"]
    ],
    plain_route="/q2",
)

Q3 = Shape(
    name="Q3",
    summary="100 users (registration order): id and username",
    signed_in=False,
    writes=False,
    ours="query Q3 { users(first: 100) { edges { node { id username } } } }",
    postgraphile="query Q3 { allUsers(first: 100, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes { id username } } }",
    requests=lambda p: [({}, {}, {})],
    normalize_ours=lambda d: [{"id": node_key(u["id"]), "username": u["username"]} for u in _edges(d["users"])],
    normalize_postgraphile=lambda d: [
        {"id": node_key(u["id"]), "username": u["username"]} for u in d["allUsers"]["nodes"]
    ],
    plain_route="/q3",
)

Q4 = Shape(
    name="Q4",
    summary="a signed-in viewer's feed: 20 articles with author, tags, favoritesCount, viewerHasFavorited",
    signed_in=True,
    writes=False,
    ours="""query Q4 {
  viewer { feed(first: 20) { edges { node {
    id title author { username } tags favoritesCount viewerHasFavorited
  } } } }
}""",
    postgraphile="""query Q4 {
  viewerFeed(first: 20) {
    nodes {
      id title userByAuthorId { username }
      articleTagsByArticleId { nodes { tagByTagId { name } } }
      favoritesCount viewerHasFavorited
    }
  }
}""",
    requests=lambda p: [({}, {}, {})],
    normalize_ours=lambda d: [
        {
            "id": node_key(a["id"]),
            "title": a["title"],
            "author": a["author"]["username"],
            "tags": a["tags"],
            "favoritesCount": a["favoritesCount"],
            "viewerHasFavorited": a["viewerHasFavorited"],
        }
        for a in _edges(d["viewer"]["feed"])
    ],
    normalize_postgraphile=lambda d: [
        {
            "id": node_key(a["id"]),
            "title": a["title"],
            "author": a["userByAuthorId"]["username"],
            "tags": _pg_tags(a),
            "favoritesCount": a["favoritesCount"],
            "viewerHasFavorited": a["viewerHasFavorited"],
        }
        for a in d["viewerFeed"]["nodes"]
    ],
    plain_route="/q4",
    notes=[
        "PostGraphile: the feed and viewerHasFavorited are SQL functions reading the JWT's sub claim "
        "(jwt.claims.sub); its tags come through the article_tags relation (sorted when normalized).",
        "PostGraphile does not check the token's `ver` claim against the user's row (ours and plain do, one query).",
    ],
)


# Tags new to each request: with shared ones, every concurrent createArticle
# updates the same tag rows' counter (trigger) and they serialize on those
# row locks, or deadlock (seen with ["bench", "graphql"] on all three
# systems); that would measure lock waits, not the servers.
M1_INPUT = {
    "title": f"Bench article {UNIQUE}",
    "description": "Written by the benchmark.",
    "body": ARTICLE_BODY,
    "tags": [f"{UNIQUE}a", f"{UNIQUE}b"],
}


def _m1_requests(p: Params) -> list[tuple[dict, dict, dict]]:
    given = M1_INPUT
    return [({"input": given}, {"input": given}, {"input": given})]


def _m1_normal(title: str, description: str, slug: str, tags: list[str], author: str) -> dict:
    return {"title": title, "description": description, "slug": slug, "tags": sorted(tags), "author": author}


M1 = Shape(
    name="M1",
    summary="createArticle (signed in, two tags new to each request)",
    signed_in=True,
    writes=True,
    ours="""mutation M1($input: CreateArticleInput!) {
  createArticle(input: $input) {
    article { id slug title description tags author { username } }
    errors { message }
  }
}""",
    postgraphile="""mutation M1($input: CreateArticleInput!) {
  createArticle(input: $input) {
    result {
      id slug title description userByAuthorId { username }
      articleTagsByArticleId { nodes { tagByTagId { name } } }
    }
  }
}""",
    requests=_m1_requests,
    normalize_ours=lambda d: _m1_normal(
        (a := d["createArticle"]["article"])["title"], a["description"], a["slug"], a["tags"], a["author"]["username"]
    ),
    normalize_postgraphile=lambda d: _m1_normal(
        (a := d["createArticle"]["result"])["title"],
        a["description"],
        a["slug"],
        _pg_tags(a),
        a["userByAuthorId"]["username"],
    ),
    plain_route="/m1",
    notes=[
        "PostGraphile: createArticle is a plpgsql function (create_article) doing the same inserts in one "
        "statement; it validates nothing beyond the table's CHECK constraints (ours checks lengths and tags first)."
    ],
)


def _m2_requests(p: Params) -> list[tuple[dict, dict, dict]]:
    pairs = []
    for article_id in p.article_ids:
        global_id = encode_id("Article", article_id)
        for favorite in (True, False):
            pairs.append(
                (
                    {"id": global_id, "favorite": favorite},
                    {"id": str(article_id), "favorite": favorite},
                    {"id": global_id, "favorite": favorite},
                )
            )
    return pairs


def _m2_normal(payload: dict, article_field: str) -> dict:
    article = payload[article_field]
    return {
        "id": node_key(article["id"]),
        "favoritesCount": article["favoritesCount"],
        "viewerHasFavorited": article["viewerHasFavorited"],
    }


def _m2_pick(d: dict, article_field: str) -> dict:
    (payload,) = d.values()
    return _m2_normal(payload, article_field)


M2 = Shape(
    name="M2",
    summary="favoriteArticle then unfavoriteArticle, alternating, over 400 articles",
    signed_in=True,
    writes=True,
    # One document with both operations would need operationName switching;
    # a boolean variable and @include/@skip keeps one document per system.
    ours="""mutation M2($id: ID!, $favorite: Boolean!) {
  favoriteArticle(input: {articleId: $id}) @include(if: $favorite) {
    article { id favoritesCount viewerHasFavorited } errors { message }
  }
  unfavoriteArticle(input: {articleId: $id}) @skip(if: $favorite) {
    article { id favoritesCount viewerHasFavorited } errors { message }
  }
}""",
    postgraphile="""mutation M2($id: BigInt!, $favorite: Boolean!) {
  favoriteArticle(input: {articleId: $id}) @include(if: $favorite) {
    result { id favoritesCount viewerHasFavorited }
  }
  unfavoriteArticle(input: {articleId: $id}) @skip(if: $favorite) {
    result { id favoritesCount viewerHasFavorited }
  }
}""",
    requests=_m2_requests,
    normalize_ours=lambda d: _m2_pick(d, "article"),
    normalize_postgraphile=lambda d: _m2_pick(d, "result"),
    plain_route="/m2",
    notes=[
        "PostGraphile: favorite_article/unfavorite_article are SQL functions taking the row id (a BigInt), "
        "ours takes the global ID."
    ],
)

SHAPES = {shape.name: shape for shape in (Q1, Q2, Q3, Q4, M1, M2, *CLIENT_SHAPES, *REST_SHAPES)}
