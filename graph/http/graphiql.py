"""The GraphiQL page, opening on an example query against the demo data.

The headers editor is on: set `{"Authorization": "Bearer <token>"}` there
(a token comes from the `login` mutation).
"""

import re
from functools import cache

from strawberry.http.ides import get_graphql_ide_html

EXAMPLE_QUERY = """# Conduit: the newest articles with their authors, tags and first comments.
# Sign in with the login mutation below (demo password: conduit-demo), then
# put {"Authorization": "Bearer <token>"} in the Headers tab to see your feed.
query LatestArticles {
  articles(first: 5) {
    totalCount
    edges {
      node {
        title
        slug
        tags
        favoritesCount
        author { username followersCount }
        comments(first: 2) { edges { node { body author { username } } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  tags(first: 5) { name articlesCount }
}

mutation Login {
  login(input: { email: "alice1@example.com", password: "conduit-demo" }) {
    token
    errors { field message code }
  }
}
"""


@cache
def graphiql_page() -> str:
    html = get_graphql_ide_html("graphiql")
    escaped = EXAMPLE_QUERY.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    return re.sub(
        r"const EXAMPLE_QUERY = `.*?`;", lambda _: f"const EXAMPLE_QUERY = `{escaped}`;", html, count=1, flags=re.S
    )
