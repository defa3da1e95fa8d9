"""`GET /` leads a browser to what the server serves, and links nothing that is switched off."""

import re
from html.parser import HTMLParser

import httpx
from graphql import build_schema

from graph.http.landing import landing_page
from graph.schema.build import sdl
from tests.apps import client_with

HTML = {"accept": "text/html"}
EVERYTHING = ["/graphql", "/schema.graphql", "/healthz", "/readyz", "/metrics"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.loads: list[str] = []  # anything the page would fetch by itself

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a":
            self.hrefs.append(attributes["href"] or "")
        if tag in {"script", "img", "link", "iframe"} or "src" in attributes:
            self.loads.append(tag)


def parsed(page: str) -> _Links:
    links = _Links()
    links.feed(page)
    return links


async def followed(client: httpx.AsyncClient, href: str) -> httpx.Response:
    return await client.get(href, headers=HTML)


async def test_in_development_the_page_links_graphiql_the_sdl_health_and_metrics_and_each_answers(http):
    response = await http.get("/", headers=HTML)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = parsed(response.text)
    assert links.hrefs == EVERYTHING
    assert links.loads == []
    for href in links.hrefs:
        assert (await followed(http, href)).status_code == 200, href
    graphiql = await followed(http, "/graphql")
    assert "<title>Conduit GraphiQL</title>" in graphiql.text


async def test_the_page_refuses_everything_but_its_inline_style(http):
    csp = (await http.get("/")).headers["content-security-policy"]
    directives = dict(directive.strip().split(" ", 1) for directive in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert set(directives) - {"default-src", "style-src", "base-uri", "form-action", "frame-ancestors"} == set()


async def test_the_sdl_is_the_exported_schema_and_parses(http):
    response = await http.get("/schema.graphql")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == sdl()
    assert build_schema(response.text).query_type.name == "Query"


async def test_in_production_the_page_links_only_what_is_on(settings):
    production = {"environment": "production", "allowed_origins": ["https://app.example"]}
    async with client_with(settings, **production, metrics=False) as client:
        links = parsed((await client.get("/", headers=HTML)).text)
        assert links.hrefs == ["/healthz", "/readyz"]
        assert (await client.get("/schema.graphql")).status_code == 404
        assert (await followed(client, "/graphql")).status_code != 200  # no GraphiQL: a JSON error for no query
        assert (await client.get("/metrics")).status_code == 404
        for href in links.hrefs:
            assert (await followed(client, href)).status_code == 200, href
    async with client_with(settings, **production, graphiql=True) as client:
        assert parsed((await client.get("/", headers=HTML)).text).hrefs == [
            "/graphql",
            "/healthz",
            "/readyz",
            "/metrics",
        ]


def test_under_a_root_path_the_links_keep_it():
    from graph.settings import Settings

    page = landing_page(Settings(jwt_secret="x" * 32), "/api/")
    assert parsed(page).hrefs == [f"/api{href}" for href in EVERYTHING]
    assert re.search(r"<code>/api/graphql</code>", page)
