"""The RealWorld ("Conduit") REST API under /api, beside GraphQL in the same app.

One router per resource (users, profiles, articles, comments, tags), all on
the lifespan's pool and the GraphQL door's rules: the same db/ functions,
graph/auth/policy.py, graph/schema/input_checks.py, login limits, tokens and event
notifications. graph/rest/dependencies.py hands handlers what they need;
graph/rest/observe.py logs, measures and answers errors for every route;
graph/rest/openapi.py serves the OpenAPI document (committed as
artifacts/openapi.json) and /docs.
"""

from fastapi import APIRouter, Depends

from graph.rest import articles, comments, profiles, tags, users
from graph.rest.dependencies import ContextDep
from graph.rest.paths import PREFIX


async def _token_checked(context: ContextDep) -> None:
    """On every route, so a bad token is a 401 even where no handler asks who the viewer is."""


def router() -> APIRouter:
    api = APIRouter(prefix=PREFIX, dependencies=[Depends(_token_checked)])
    for module in (users, profiles, articles, comments, tags):
        api.include_router(module.router)
    return api
