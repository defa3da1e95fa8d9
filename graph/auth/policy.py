"""Who may do what: every authorization rule of the API, one function each."""

from typing import Any

from graph.auth.viewer import Requester
from graph.errors import Forbidden, Unauthenticated


def require_viewer(context: Requester) -> int:
    """The signed-in user's id; UNAUTHENTICATED for anonymous requests."""
    if context.viewer_id is None:
        raise Unauthenticated("Sign in to do this.")
    return context.viewer_id


def ensure_can_edit_article(viewer_id: int, article: Any) -> None:
    """Only an article's author updates or deletes it."""
    if article["author_id"] != viewer_id:
        raise Forbidden("Only the author can change or delete this article.")


def ensure_can_delete_comment(viewer_id: int, comment: Any) -> None:
    """A comment's author, or the author of the article it is on."""
    if viewer_id not in (comment["author_id"], comment["article_author_id"]):
        raise Forbidden("Only the comment's author or the article's author can delete this comment.")
