"""Deterministic demo data, written with COPY.

The same options always give the same rows (ids, names, timestamps), so
examples in the README and benchmark answers can be checked against them.
"""

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

NAMES = (
    "alice bob carol dave erin frank grace heidi ivan judy mallory nia oscar peggy quinn rupert sybil trent "
    "uma victor wendy xavier yara zoe"
).split()
WORDS = (
    "graph query schema cursor batch loader pool async index plan cache token edge node field type resolver "
    "stream latency vacuum tuple join lateral window replica shard queue socket frame render client server "
    "deploy rollback migrate commit branch feature review test bench profile trace metric alert"
).split()
TAGS = (
    "graphql postgres python asyncio fastapi performance testing security devops frontend react urql apollo "
    "codegen caching pagination sql design architecture tutorial opinion release databases realtime"
).split()

# Tags are the one table that can hold rows without users (they were written
# even for an empty seed once): checking users alone let a later seed collide.
HAS_DATA = "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM tags)"
TRUNCATE = "TRUNCATE comments, favorites, article_tags, tags, articles, follows, users RESTART IDENTITY CASCADE"
RECOUNT_FAVORITES = """
UPDATE articles a SET favorites_count = f.n
FROM (SELECT article_id, count(*) AS n FROM favorites GROUP BY article_id) f WHERE f.article_id = a.id
"""
RECOUNT_TAGS = """
UPDATE tags t SET articles_count = x.n
FROM (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) x WHERE x.tag_id = t.id
"""
RESET_SEQUENCES = """
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM users), false),
       setval(pg_get_serial_sequence('articles', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM articles), false),
       setval(pg_get_serial_sequence('comments', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM comments), false),
       setval(pg_get_serial_sequence('tags', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM tags), false)
"""
# Triggers keep counters right one row at a time; a bulk load recounts once
# instead (inside the seeding transaction, so nobody sees the gap).
DISABLE_COUNTERS = """
ALTER TABLE favorites DISABLE TRIGGER favorites_count_sync;
ALTER TABLE article_tags DISABLE TRIGGER tag_articles_count_sync
"""
ENABLE_COUNTERS = """
ALTER TABLE favorites ENABLE TRIGGER favorites_count_sync;
ALTER TABLE article_tags ENABLE TRIGGER tag_articles_count_sync
"""


@dataclass(frozen=True)
class SeedSize:
    users: int = 50
    articles: int = 200
    comments: int = 1000
    follows_per_user: int = 5
    favorites_per_article: int = 3
    seed: int = 7

    def __post_init__(self) -> None:
        for name in ("users", "articles", "comments", "follows_per_user", "favorites_per_article"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.articles and not self.users:
            raise ValueError("articles need authors: with articles, users must be at least 1")
        if self.comments and not self.articles:
            raise ValueError("comments need articles: with comments, articles must be at least 1")


def username(i: int) -> str:
    """The i-th demo user's name (from 1): alice1, bob2, ..."""
    return f"{NAMES[(i - 1) % len(NAMES)]}{i}"


def demo_email(i: int = 1) -> str:
    return f"{username(i)}@example.com"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


async def has_data(connection: asyncpg.Connection) -> bool:
    found: bool = await connection.fetchval(HAS_DATA)
    return found


async def seed(connection: asyncpg.Connection, size: SeedSize, password_hash: str, *, reset: bool) -> bool:
    """Load the demo data; False (and nothing written) when data exists and `reset` is off."""
    rng = random.Random(size.seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with connection.transaction():
        if await has_data(connection):
            if not reset:
                return False
            await connection.execute(TRUNCATE)
        await connection.execute(DISABLE_COUNTERS)

        users = []
        for i in range(1, size.users + 1):
            created = start + timedelta(minutes=i)
            bio = f"I write about {rng.choice(TAGS)} and {rng.choice(TAGS)}." if i % 3 else None
            users.append((i, username(i), demo_email(i), password_hash, bio, None, 0, created, created))
        await connection.copy_records_to_table(
            "users",
            records=users,
            columns=[
                "id",
                "username",
                "email",
                "password_hash",
                "bio",
                "image",
                "token_version",
                "created_at",
                "updated_at",
            ],
        )

        follows = set()
        for follower in range(1, size.users + 1):
            for _ in range(min(size.follows_per_user, size.users - 1)):
                followee = rng.randint(1, size.users)
                if followee != follower:
                    follows.add((follower, followee))
        await connection.copy_records_to_table(
            "follows",
            records=[(a, b, start + timedelta(days=30, seconds=n)) for n, (a, b) in enumerate(sorted(follows))],
            columns=["follower_id", "followee_id", "created_at"],
        )

        # No articles, no tags: a tag list with nothing tagged would read as data left behind.
        tags = [(i, name, 0) for i, name in enumerate(TAGS, 1)] if size.articles else []
        await connection.copy_records_to_table("tags", records=tags, columns=["id", "name", "articles_count"])

        articles, article_tags, favorites = [], [], set()
        span = timedelta(days=300) / max(size.articles, 1)
        for i in range(1, size.articles + 1):
            title = _sentence(rng, 3, 7).capitalize()
            created = start + timedelta(days=31) + span * i
            body = "\n\n".join(_sentence(rng, 20, 60) + "." for _ in range(rng.randint(1, 4)))
            articles.append(
                (
                    i,
                    rng.randint(1, size.users),
                    f"{slugify(title)}-{i}",
                    title,
                    _sentence(rng, 6, 12),
                    body,
                    0,
                    created,
                    created,
                )
            )
            for tag_id in rng.sample(range(1, len(TAGS) + 1), rng.randint(1, 3)):
                article_tags.append((i, tag_id))
            for _ in range(rng.randint(0, size.favorites_per_article * 2)):
                favorites.add((rng.randint(1, size.users), i, created + timedelta(hours=rng.randint(1, 500))))
        await connection.copy_records_to_table(
            "articles",
            records=articles,
            columns=[
                "id",
                "author_id",
                "slug",
                "title",
                "description",
                "body",
                "favorites_count",
                "created_at",
                "updated_at",
            ],
        )
        await connection.copy_records_to_table("article_tags", records=article_tags, columns=["article_id", "tag_id"])
        unique_favorites = {(user, article): at for user, article, at in sorted(favorites)}
        await connection.copy_records_to_table(
            "favorites",
            records=[(user, article, at) for (user, article), at in unique_favorites.items()],
            columns=["user_id", "article_id", "created_at"],
        )

        comments = []
        for i in range(1, size.comments + 1):
            article = rng.randint(1, size.articles)
            created = articles[article - 1][7] + timedelta(minutes=rng.randint(1, 10_000))
            comments.append(
                (i, article, rng.randint(1, size.users), _sentence(rng, 4, 30).capitalize() + ".", created, created)
            )
        await connection.copy_records_to_table(
            "comments", records=comments, columns=["id", "article_id", "author_id", "body", "created_at", "updated_at"]
        )

        await connection.execute(RECOUNT_FAVORITES)
        await connection.execute(RECOUNT_TAGS)
        await connection.execute(RESET_SEQUENCES)
        await connection.execute(ENABLE_COUNTERS)
    return True
