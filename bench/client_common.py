"""What the client-style shapes share: PostGraphile's node IDs, normalizers for both answer styles, reference SQL."""

import base64
from typing import Any

from bench.shape_types import node_key

PAGE = 20
FOLLOW_USERS = 200  # CM4 walks follow/unfollow pairs over this many users
WRITER_ARTICLES = 200  # CM2 edits these of the writer's in turn (one row would measure its lock)


def postgraphile_id(type_name: str, row_id: int) -> str:
    """PostGraphile 5's node ID: base64 of the JSON [type name, primary key]."""
    return base64.b64encode(f'["{type_name}",{row_id}]'.encode()).decode()


def article_tags(article: dict) -> list[str]:
    if "tags" in article:
        return article["tags"]
    return sorted(link["tagByTagId"]["name"] for link in article["articleTagsByArticleId"]["nodes"])


def author_of(article: dict) -> dict:
    return article["author"] if "author" in article else article["userByAuthorId"]


def nodes_of(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]] if "edges" in connection else connection["nodes"]


def comments_of(article: dict) -> Any:
    connection = article.get("comments", article.get("commentsByArticleId"))
    if connection is None:
        return None
    return [
        {"id": node_key(c["id"]), "body": c["body"], "author": c.get("author", c.get("userByAuthorId"))["username"]}
        for c in nodes_of(connection)
    ]


def comment_rows(rows) -> list[dict]:
    return [{"id": r["id"], "body": r["body"], "author": r["username"]} for r in rows]


COMMENTS_SQL = """SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.author_id
    WHERE c.article_id = $1 ORDER BY c.created_at, c.id LIMIT $2"""
TAGS_SQL = """ARRAY(SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
    WHERE x.article_id = a.id ORDER BY t.name)"""
