"""The vendored GraphiQL assets: served from this process, pinned by integrity hashes, off with GraphiQL."""

import base64
import hashlib
import re

from graph.http.graphiql import ASSETS, STATIC, graphiql_page


def test_the_page_loads_nothing_from_another_origin_and_pins_every_asset_by_hash():
    page = graphiql_page()
    assert not re.search(r"""(src|href)=["']https?:""", page)
    referenced = dict(re.findall(r'(?:src|href)="/graphiql/([^"]+)"\s+integrity="(sha384-[^"]+)"', page))
    assert set(referenced) == set(ASSETS)
    for name, integrity in referenced.items():
        digest = base64.b64encode(hashlib.sha384((STATIC / "graphiql" / name).read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}", f"{name} does not match its integrity attribute"


def test_the_licenses_ship_beside_the_vendored_files():
    for package in ("graphiql", "react", "react-dom"):
        assert "MIT License" in (STATIC / "graphiql" / f"LICENSE.{package}").read_text()


def test_the_example_query_is_embedded_safely_in_the_page():
    page = graphiql_page()
    assert "query LatestArticles" in page
    assert "mutation Login" in page
    # Inside a <script> element a literal "<" could close it; the JSON escapes every one.
    script = page.split('<script id="example-query" type="application/json">')[1].split("</script>")[0]
    assert "<" not in script


async def test_assets_are_served_compressed_and_cacheable(http):
    response = await http.get("/graphiql/graphiql.min.css", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["content-encoding"] == "gzip"
    assert "max-age" in response.headers["cache-control"]
    assert response.content == (STATIC / "graphiql" / "graphiql.min.css").read_bytes()  # httpx decodes gzip
    assert response.num_bytes_downloaded < len(response.content) * 0.8  # inline fonts compress poorly
    plain = await http.get("/graphiql/react.production.min.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == (STATIC / "graphiql" / "react.production.min.js").read_bytes()


async def test_only_the_listed_assets_are_served(http):
    assert (await http.get("/graphiql/LICENSE.react")).status_code == 404
    assert (await http.get("/graphiql/..%2Fgraphiql.html")).status_code == 404


async def test_assets_and_page_are_off_when_graphiql_is(http, settings, monkeypatch):
    monkeypatch.setattr(settings, "graphiql", False)
    assert (await http.get("/graphiql/graphiql.min.js")).status_code == 404
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert "GraphiQL" not in page.text
