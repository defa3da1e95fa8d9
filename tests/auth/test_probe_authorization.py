"""Authorization across users, past what tests/schema/test_writes.py checks (others' articles and comments: FORBIDDEN).

The probe signed in as one user and tried to act on another's data: name a
user in an input that has no such field, undo another user's favorite or
follow, read another user's email, hide a forbidden write behind an allowed
one in the same document, and pass an ID of one type where another's is
expected. Each must leave the other user's rows exactly as they were.
"""

import pytest

from graph.auth.tokens import Tokens, signing_secret
from graph.relay.ids import encode_id
from tests import factories


@pytest.fixture
def sign_in(settings):
    tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
    return lambda user: tokens.issue(user["id"], user["token_version"])


@pytest.fixture
async def alice_and_bob(conn):
    return await factories.user(conn, "alice"), await factories.user(conn, "bob")


@pytest.mark.parametrize("field", ["id", "userId", "username_of"])
async def test_update_viewer_cannot_name_another_user(gql, conn, sign_in, alice_and_bob, field):
    alice, bob = alice_and_bob
    target = encode_id("User", bob["id"])
    mutation = f'mutation {{ updateViewer(input: {{{field}: "{target}", bio: "pwned"}}) {{ errors {{ code }} }} }}'

    response = await gql(mutation, token=sign_in(alice))

    assert response.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert await conn.fetchval("SELECT count(*) FROM users WHERE bio IS NOT NULL") == 0


async def test_update_viewer_changes_only_the_signed_in_user(gql, conn, sign_in, alice_and_bob):
    alice, bob = alice_and_bob
    mutation = 'mutation { updateViewer(input: {bio: "mine"}) { viewer { user { username } } errors { code } } }'

    response = await gql(mutation, token=sign_in(alice))

    assert response.ok()["updateViewer"]["viewer"]["user"]["username"] == "alice"
    rows = await conn.fetch("SELECT username, bio FROM users ORDER BY id")
    assert [(row["username"], row["bio"]) for row in rows] == [("alice", "mine"), ("bob", None)]


async def test_unfavoriting_removes_only_the_viewers_favorite(gql, conn, sign_in, alice_and_bob):
    alice, bob = alice_and_bob
    article = await factories.article(conn, alice["id"])
    await conn.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", bob["id"], article["id"])
    mutation = "mutation ($id: ID!) { unfavoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }"

    response = await gql(mutation, {"id": encode_id("Article", article["id"])}, token=sign_in(alice))

    assert response.ok()["unfavoriteArticle"]["article"]["favoritesCount"] == 1
    assert await conn.fetchval("SELECT user_id FROM favorites") == bob["id"]


async def test_unfollowing_removes_only_the_viewers_follow(gql, conn, sign_in, alice_and_bob):
    alice, bob = alice_and_bob
    carol = await factories.user(conn, "carol")
    await conn.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", bob["id"], carol["id"])
    mutation = "mutation ($id: ID!) { unfollowUser(input: {userId: $id}) { user { followersCount } } }"

    response = await gql(mutation, {"id": encode_id("User", carol["id"])}, token=sign_in(alice))

    assert response.ok()["unfollowUser"]["user"]["followersCount"] == 1
    assert await conn.fetch("SELECT follower_id, followee_id FROM follows") == [(bob["id"], carol["id"])]


async def test_another_users_email_is_not_in_the_schema(gql, sign_in, alice_and_bob):
    alice, bob = alice_and_bob
    query = "query ($id: ID!) { node(id: $id) { ... on User { username email } } }"

    response = await gql(query, {"id": encode_id("User", bob["id"])}, token=sign_in(alice))

    assert response.codes == ["GRAPHQL_VALIDATION_FAILED"]
    # The only email readable is the viewer's own.
    own = await gql("{ viewer { email } }", token=sign_in(alice))
    assert own.ok() == {"viewer": {"email": "alice@example.com"}}


async def test_a_forbidden_write_next_to_an_allowed_one_changes_only_the_allowed(gql, conn, sign_in, alice_and_bob):
    alice, bob = alice_and_bob
    own = await factories.article(conn, alice["id"], "Own")
    other = await factories.article(conn, bob["id"], "Other")
    mutation = """
    mutation ($own: ID!, $other: ID!) {
      a: updateArticle(input: {id: $own, title: "Changed"}) { article { title } }
      b: updateArticle(input: {id: $other, title: "Changed"}) { article { title } }
      c: deleteArticle(input: {id: $other}) { deletedArticleId }
    }
    """
    ids = {"own": encode_id("Article", own["id"]), "other": encode_id("Article", other["id"])}

    response = await gql(mutation, ids, token=sign_in(alice))

    # The payloads are non-null, so b's FORBIDDEN nulls `data` and ends the serial run before c;
    # a ran first and is committed. Bob's article is neither changed nor deleted.
    assert response.data is None
    assert [(error["path"], error["extensions"]["code"]) for error in response.errors] == [(["b"], "FORBIDDEN")]
    assert await conn.fetchval("SELECT title FROM articles WHERE id = $1", own["id"]) == "Changed"
    assert await conn.fetchval("SELECT title FROM articles WHERE id = $1", other["id"]) == "Other"


@pytest.mark.parametrize(
    ("mutation", "kind"),
    [
        ("deleteArticle(input: {id: $id}) { deletedArticleId }", "Comment"),
        ("deleteComment(input: {id: $id}) { deletedCommentId }", "Article"),
        ('updateArticle(input: {id: $id, title: "x"}) { article { id } }', "Comment"),
    ],
    ids=["an article deleted by its comment's id", "a comment deleted by its article's id", "an update by comment id"],
)
async def test_an_id_of_another_type_with_the_same_key_is_refused(gql, conn, sign_in, alice_and_bob, mutation, kind):
    # Article 1 and comment 1 share a key: the type in the ID must decide, or bob's key reaches alice's row.
    alice, bob = alice_and_bob
    article = await factories.article(conn, bob["id"])
    comment = await factories.comment(conn, article["id"], bob["id"])
    key = article["id"] if kind == "Article" else comment["id"]

    response = await gql(f"mutation ($id: ID!) {{ {mutation} }}", {"id": encode_id(kind, key)}, token=sign_in(alice))

    assert response.codes == ["BAD_USER_INPUT"]
    assert await conn.fetchval("SELECT count(*) FROM articles") == 1
    assert await conn.fetchval("SELECT count(*) FROM comments") == 1
