"""The Mutation root: each field runs its writes in one transaction on one connection."""

import strawberry

from graph.schema.resolvers import accounts, articles, comments, follows
from graph.schema.types.payloads import (
    AddCommentPayload,
    AuthPayload,
    CreateArticlePayload,
    DeleteArticlePayload,
    DeleteCommentPayload,
    FavoriteArticlePayload,
    FollowUserPayload,
    UpdateArticlePayload,
    UpdateViewerPayload,
)


@strawberry.type
class Mutation:
    register: AuthPayload = strawberry.mutation(resolver=accounts.register)
    login: AuthPayload = strawberry.mutation(resolver=accounts.login)
    update_viewer: UpdateViewerPayload = strawberry.mutation(resolver=accounts.update_viewer)
    follow_user: FollowUserPayload = strawberry.mutation(resolver=follows.follow_user)
    unfollow_user: FollowUserPayload = strawberry.mutation(resolver=follows.unfollow_user)
    create_article: CreateArticlePayload = strawberry.mutation(resolver=articles.create_article)
    update_article: UpdateArticlePayload = strawberry.mutation(resolver=articles.update_article)
    delete_article: DeleteArticlePayload = strawberry.mutation(resolver=articles.delete_article)
    favorite_article: FavoriteArticlePayload = strawberry.mutation(resolver=articles.favorite_article)
    unfavorite_article: FavoriteArticlePayload = strawberry.mutation(resolver=articles.unfavorite_article)
    add_comment: AddCommentPayload = strawberry.mutation(resolver=comments.add_comment)
    delete_comment: DeleteCommentPayload = strawberry.mutation(resolver=comments.delete_comment)
