"""Every GraphQL object field's data access, declared once: what it reads and how it joins its parent.

Both answering paths are built from this table. The general path's
DataLoaders (graph/loaders.py) and db/'s read functions run the batched
statements each declaration composes (db/fields.py); the planner's one
statement (graph/planned/json_sql.py) splices in the same declaration's
fragments, and plans exactly the fields declared here (plus the Relay
shapes every connection shares: edges, cursor, node, pageInfo, totalCount).
So adding a field to the contract touches its type (graph/types/) and this
table. tests/planned/test_planned_coverage.py walks schema.graphql and fails on an
object field the planner does not serve.

The columns a row is read with, and each list's keyset order, live here
too: the db/ modules' writes return rows with the same columns.
"""

from enum import Enum

from db.fields import (
    ByGlobalId,
    Children,
    Column,
    CountOf,
    FollowedRows,
    GlobalId,
    Lookup,
    Ranked,
    Related,
    RootList,
    SameRow,
    Table,
    Values,
    ViewerLink,
    ViewerRow,
)
from db.keyset import SortKey

USER_COLUMNS = "u.id, u.username, u.email, u.bio, u.image, u.created_at, u.updated_at"
ARTICLE_COLUMNS = (
    "a.id, a.author_id, a.slug, a.title, a.description, a.body, a.favorites_count, a.created_at, a.updated_at"
)
COMMENT_COLUMNS = "c.id, c.article_id, c.author_id, c.body, c.created_at, c.updated_at"

# The Node types, by the type name their global IDs carry.
USERS = Table("users", "u", USER_COLUMNS)
ARTICLES = Table("articles", "a", ARTICLE_COLUMNS)
COMMENTS = Table("comments", "c", COMMENT_COLUMNS)
NODES = {"User": USERS, "Article": ARTICLES, "Comment": COMMENTS}
# Rows a statement may look up by id: the Node types, and the viewer's own row.
ROWS = {**NODES, "Viewer": USERS}


class ArticleOrder(Enum):
    NEWEST = "newest"
    OLDEST = "oldest"
    MOST_FAVORITED = "most_favorited"


_CREATED = ("a.created_at", "timestamptz", "created_at")
_ID = ("a.id", "bigint", "id")
ORDERS = {
    ArticleOrder.NEWEST: SortKey("articles.newest", (_CREATED, _ID), True),
    ArticleOrder.OLDEST: SortKey("articles.oldest", (_CREATED, _ID), False),
    ArticleOrder.MOST_FAVORITED: SortKey(
        "articles.favorited", (("a.favorites_count", "integer", "favorites_count"), _ID), True
    ),
}
AUTHORED_ORDER = SortKey("authored", (_CREATED, _ID), True)  # a user's articles: newest first
FAVORITED_ORDER = SortKey(  # a user's favorites: most recently favorited first
    "favorited", (("f.created_at", "timestamptz", "favorited_at"), ("f.article_id", "bigint", "id")), True
)
FEED_ORDER = SortKey("feed", (_CREATED, _ID), True)
COMMENTS_ORDER = SortKey(  # an article's comments: oldest first
    "comments", (("c.created_at", "timestamptz", "created_at"), ("c.id", "bigint", "id")), False
)
USERS_ORDER = SortKey(  # registration order, oldest first
    "users", (("u.created_at", "timestamptz", "created_at"), ("u.id", "bigint", "id")), False
)
FOLLOWERS_ORDER = SortKey(  # most recent follow first
    "followers", (("f.created_at", "timestamptz", "followed_at"), ("f.follower_id", "bigint", "id")), True
)
FOLLOWING_ORDER = SortKey(
    "following", (("f.created_at", "timestamptz", "followed_at"), ("f.followee_id", "bigint", "id")), True
)

# The article filter's conditions on articles `a`, all given conditions must
# hold; `{tag}`, `{author}`, `{favorited}`, `{search}` stand for its parameters.
ARTICLE_FILTER = """
    ({tag}::text IS NULL OR EXISTS (
        SELECT 1 FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id AND t.name = {tag}))
    AND ({author}::text IS NULL OR a.author_id = (SELECT u.id FROM users u WHERE lower(u.username) = lower({author})))
    AND ({favorited}::text IS NULL OR EXISTS (
        SELECT 1 FROM favorites f WHERE f.article_id = a.id
        AND f.user_id = (SELECT u.id FROM users u WHERE lower(u.username) = lower({favorited}))))
    AND ({search}::text IS NULL OR a.title ILIKE {search} OR a.description ILIKE {search} OR a.body ILIKE {search})
"""
ARTICLE_FILTER_NAMES = ("tag", "author", "favorited", "search")

ARTICLE_COMMENTS = Children("Comment", COMMENT_COLUMNS, "comments c", "c.article_id", COMMENTS_ORDER)
AUTHORED = Children("Article", ARTICLE_COLUMNS, "articles a", "a.author_id", AUTHORED_ORDER)
FAVORITED = Children(
    "Article",
    f"{ARTICLE_COLUMNS}, f.created_at AS favorited_at",
    "favorites f JOIN articles a ON a.id = f.article_id",
    "f.user_id",
    FAVORITED_ORDER,
    count_source="favorites f",
)
FOLLOWERS = Children(
    "User",
    f"{USER_COLUMNS}, f.created_at AS followed_at",
    "follows f JOIN users u ON u.id = f.follower_id",
    "f.followee_id",
    FOLLOWERS_ORDER,
    count_source="follows f",
)
FOLLOWING = Children(
    "User",
    f"{USER_COLUMNS}, f.created_at AS followed_at",
    "follows f JOIN users u ON u.id = f.followee_id",
    "f.follower_id",
    FOLLOWING_ORDER,
    count_source="follows f",
)
FEED = FollowedRows(
    "Article", ARTICLE_COLUMNS, "articles a", "a", "a.author_id", "follows", "follower_id", "followee_id", FEED_ORDER
)
ARTICLE_TAGS = Values("tags t", "t.id", "t.name", "article_tags at", "at.article_id", "at.tag_id")
VIEWER_FAVORITED = ViewerLink("favorites", "user_id", "article_id")
VIEWER_FOLLOWS = ViewerLink("follows", "follower_id", "followee_id")

# The count of all articles is kept by triggers (migrations/versions/2026_12_04_article_count.py).
ALL_ARTICLES = RootList(
    "Article",
    ARTICLE_COLUMNS,
    "articles a",
    ORDERS,
    ARTICLE_FILTER,
    ARTICLE_FILTER_NAMES,
    total="SELECT sum(articles)::bigint FROM article_count",
)
ALL_USERS = RootList("User", USER_COLUMNS, "users u", {None: USERS_ORDER})
USER_BY_USERNAME = Lookup(USERS, "username", "lower({r}.username) = lower({value})")
ARTICLE_BY_SLUG = Lookup(ARTICLES, "slug", "{r}.slug = {value}")
POPULAR_TAGS = Ranked(
    "Tag",
    "name, articles_count",
    "tags WHERE articles_count > 0",
    (("articles_count", "DESC"), ("name", "ASC")),
    default_first=20,
)

# (GraphQL type, field) -> its declaration.
FIELDS = {
    ("Query", "node"): ByGlobalId(NODES, many=False),
    ("Query", "nodes"): ByGlobalId(NODES, many=True),
    ("Query", "viewer"): ViewerRow(USERS),
    ("Query", "user"): USER_BY_USERNAME,
    ("Query", "article"): ARTICLE_BY_SLUG,
    ("Query", "articles"): ALL_ARTICLES,
    ("Query", "users"): ALL_USERS,
    ("Query", "tags"): POPULAR_TAGS,
    ("Article", "id"): GlobalId(),
    ("Article", "slug"): Column("slug"),
    ("Article", "title"): Column("title"),
    ("Article", "description"): Column("description"),
    ("Article", "body"): Column("body"),
    ("Article", "tags"): ARTICLE_TAGS,
    ("Article", "createdAt"): Column("created_at", datetime=True),
    ("Article", "updatedAt"): Column("updated_at", datetime=True),
    ("Article", "author"): Related("User", "author_id"),
    ("Article", "favoritesCount"): Column("favorites_count"),
    ("Article", "viewerHasFavorited"): VIEWER_FAVORITED,
    ("Article", "comments"): ARTICLE_COMMENTS,
    ("User", "id"): GlobalId(),
    ("User", "username"): Column("username"),
    ("User", "bio"): Column("bio"),
    ("User", "image"): Column("image"),
    ("User", "createdAt"): Column("created_at", datetime=True),
    ("User", "followersCount"): CountOf(FOLLOWERS),
    ("User", "followingCount"): CountOf(FOLLOWING),
    ("User", "viewerIsFollowing"): VIEWER_FOLLOWS,
    ("User", "articles"): AUTHORED,
    ("User", "favoriteArticles"): FAVORITED,
    ("User", "followers"): FOLLOWERS,
    ("User", "following"): FOLLOWING,
    ("Comment", "id"): GlobalId(),
    ("Comment", "body"): Column("body"),
    ("Comment", "createdAt"): Column("created_at", datetime=True),
    ("Comment", "updatedAt"): Column("updated_at", datetime=True),
    ("Comment", "author"): Related("User", "author_id"),
    ("Comment", "article"): Related("Article", "article_id"),
    ("Tag", "name"): Column("name"),
    ("Tag", "articlesCount"): Column("articles_count"),
    ("Viewer", "user"): SameRow("User"),
    ("Viewer", "email"): Column("email"),
    ("Viewer", "feed"): FEED,
}
