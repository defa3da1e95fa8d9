"""/api/profiles and /api/articles/{slug}/comments."""

from tests import factories
from tests.rest_client import auth, register, write_article


async def test_a_profile_shows_following_for_the_viewer_and_follow_toggles_it(http):
    viewer = await register(http, "viewer")
    await register(http, "celebrity", bio=None)
    assert (await http.get("/api/profiles/Celebrity")).json() == {
        "profile": {"username": "celebrity", "bio": None, "image": None, "following": False}
    }
    followed = await http.post("/api/profiles/celebrity/follow", headers=auth(viewer["token"]))
    assert followed.status_code == 200 and followed.json()["profile"]["following"] is True
    seen = (await http.get("/api/profiles/celebrity", headers=auth(viewer["token"]))).json()["profile"]
    assert seen["following"] is True
    unfollowed = await http.delete("/api/profiles/celebrity/follow", headers=auth(viewer["token"]))
    assert unfollowed.json()["profile"]["following"] is False


async def test_unknown_profiles_are_404_following_yourself_is_422_and_follow_needs_a_token(http):
    viewer = await register(http, "viewer")
    assert (await http.get("/api/profiles/nobody")).status_code == 404
    assert (await http.get("/api/profiles/" + "n" * 100)).status_code == 404
    assert (await http.post("/api/profiles/nobody/follow", headers=auth(viewer["token"]))).status_code == 404
    myself = await http.post("/api/profiles/viewer/follow", headers=auth(viewer["token"]))
    assert myself.status_code == 422 and list(myself.json()["errors"]) == ["username"]
    assert (await http.post("/api/profiles/viewer/follow")).status_code == 401


async def test_comments_are_added_listed_oldest_first_and_deleted(http, conn):
    author = await register(http, "author")
    reader = await register(http, "reader")
    article = await write_article(http, author["token"], "Discussed")
    path = f"/api/articles/{article['slug']}/comments"

    first = await http.post(path, json={"comment": {"body": "First!"}}, headers=auth(reader["token"]))
    assert first.status_code == 200
    comment = first.json()["comment"]
    assert set(comment) == {"id", "createdAt", "updatedAt", "body", "author"}
    assert comment["author"] == {"username": "reader", "bio": None, "image": None, "following": False}
    await http.post(path, json={"comment": {"body": "Second"}}, headers=auth(author["token"]))

    listed = (await http.get(path, headers=auth(author["token"]))).json()["comments"]
    assert [c["body"] for c in listed] == ["First!", "Second"]
    assert isinstance(listed[0]["id"], int)

    gone = await http.delete(f"{path}/{comment['id']}", headers=auth(reader["token"]))
    assert gone.status_code == 200
    assert [c["body"] for c in (await http.get(path)).json()["comments"]] == ["Second"]


async def test_deleting_a_comment_is_for_its_author_or_the_articles_and_must_be_on_that_article(http, conn):
    author = await register(http, "author")
    commenter = await register(http, "commenter")
    stranger = await register(http, "stranger")
    article = await write_article(http, author["token"], "One")
    other = await write_article(http, author["token"], "Two")
    path = f"/api/articles/{article['slug']}/comments"
    ids = []
    for _ in range(2):
        response = await http.post(path, json={"comment": {"body": "hi"}}, headers=auth(commenter["token"]))
        ids.append(response.json()["comment"]["id"])

    assert (await http.delete(f"{path}/{ids[0]}", headers=auth(stranger["token"]))).status_code == 403
    wrong_article = f"/api/articles/{other['slug']}/comments/{ids[0]}"
    assert (await http.delete(wrong_article, headers=auth(commenter["token"]))).status_code == 404
    assert (await http.delete(f"{path}/{ids[0]}", headers=auth(author["token"]))).status_code == 200
    assert (await http.delete(f"{path}/{ids[1]}", headers=auth(commenter["token"]))).status_code == 200
    assert (await http.delete(f"{path}/99999", headers=auth(author["token"]))).status_code == 404
    assert (await http.delete(f"{path}/{2**70}", headers=auth(author["token"]))).status_code == 422
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0


async def test_a_comment_on_an_unknown_article_is_404_and_an_empty_one_422(http, conn):
    reader = await register(http, "reader")
    missing = await http.post(
        "/api/articles/nope/comments", json={"comment": {"body": "x"}}, headers=auth(reader["token"])
    )
    assert missing.status_code == 404
    author = await factories.user(conn, "author")
    row = await factories.article(conn, author["id"], "Here")
    empty = await http.post(
        f"/api/articles/{row['slug']}/comments", json={"comment": {"body": "  "}}, headers=auth(reader["token"])
    )
    assert empty.status_code == 422 and list(empty.json()["errors"]) == ["body"]
    nul = await http.post(
        f"/api/articles/{row['slug']}/comments", json={"comment": {"body": "a\u0000b"}}, headers=auth(reader["token"])
    )
    assert nul.status_code == 422
    assert (await http.get("/api/articles/nope/comments")).status_code == 404
