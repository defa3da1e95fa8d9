"""Loaders: built on first use, primed before or after, shared across subscribers."""

from db.pool import StatementCount, statement_count
from graph.schema.loaders import PUBLIC_LOADERS, Loaders
from tests import factories


async def test_loaders_are_built_on_first_use_and_kept(db):
    loaders = Loaders(db, None)
    assert not any(name in vars(loaders) for name in PUBLIC_LOADERS)

    assert loaders.user is loaders.user
    assert "user" in vars(loaders) and "article" not in vars(loaders)
    assert loaders.viewer_favorited is None and loaders.viewer_follows is None
    assert Loaders(db, 1).viewer_favorited is not None


async def test_a_prime_before_the_loader_is_built_answers_without_a_statement(conn, db):
    author = await factories.user(conn, "author")
    article = await factories.article(conn, author["id"], tags=("stored",))
    loaders = Loaders(db, author["id"])
    primed = {"id": author["id"], "username": "primed"}
    loaders.prime_written_article({"id": article["id"]}, tags=["primed"], author=primed, viewer_has_favorited=True)
    assert "article_tags" not in vars(loaders)

    counter = StatementCount()
    token = statement_count.set(counter)
    try:
        assert await loaders.article_tags.load(article["id"]) == ["primed"]
        assert (await loaders.user.load(author["id"]))["username"] == "primed"
        assert await loaders.viewer_favorited.load(article["id"]) is True
        loaders.prime_written_article({"id": article["id"] + 1}, tags=["later"])  # built by now: primed at once
        assert await loaders.article_tags.load(article["id"] + 1) == ["later"]
    finally:
        statement_count.reset(token)
    assert counter.value == 0


async def test_public_loaders_are_shared_and_viewer_loaders_are_not(db):
    public = Loaders(db, None)
    first, second = Loaders(db, 1, public=public), Loaders(db, 2, public=public)

    assert first.user is second.user is public.user
    assert first.article_tags is public.article_tags
    assert first.viewer_favorited is not second.viewer_favorited
