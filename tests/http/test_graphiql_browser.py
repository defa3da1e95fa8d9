"""GraphiQL in a real headless Chromium against a real server process over seeded demo data.

Chromium is Debian's (`apt-get install chromium`; scripts/test installs it), driven
by Playwright's Python API through `executable_path`, so no browser is
downloaded. The screenshot is kept at artifacts/test-output/graphiql.png.
"""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import Page, sync_playwright

from tests.prerequisites import PREREQUISITES
from tests.servers import ROOT, running_servers

pytestmark = pytest.mark.needs("chromium")

SCREENSHOTS = ROOT / "artifacts" / "test-output"
EDITOR_VALUE = "selector => document.querySelector(selector).CodeMirror.getValue()"
SET_EDITOR_VALUE = "([selector, value]) => document.querySelector(selector).CodeMirror.setValue(value)"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".result-window .CodeMirror"
OPEN_TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"


@pytest.fixture
def demo_server(database_url: str, tmp_path: Path):
    seed = [sys.executable, "-m", "graph", "seed", "--users", "5", "--articles", "12", "--comments", "30", "--reset"]
    subprocess.run(seed, cwd=ROOT, env={"DATABASE_URL": database_url, "PATH": ""}, check=True, capture_output=True)
    with running_servers(database_url, tmp_path, 1, env={"ENVIRONMENT": "development"}) as (server,):
        yield server


def result_after(page: Page, action: Callable[[], None]) -> dict:
    """Do `action` (something that runs an operation) and read the whole new result."""
    previous = page.evaluate(EDITOR_VALUE, RESULT)
    action()
    page.wait_for_function(
        "([selector, previous]) => { const v = document.querySelector(selector).CodeMirror.getValue();"
        " return v !== '' && v !== previous; }",
        arg=[RESULT, previous],
        timeout=15_000,
    )
    return orjson.loads(page.evaluate(EDITOR_VALUE, RESULT))


def pick_from_run_menu(page: Page, name: str) -> None:
    """With several operations in the editor, the run button opens a menu of them."""
    page.click(".graphiql-execute-button")
    page.get_by_role("menuitem", name=name).click()


def run_at_cursor(page: Page, text: str) -> None:
    """Click into the operation holding `text` and press Ctrl-Enter, which runs the operation under the cursor."""
    page.locator(".graphiql-query-editor .CodeMirror-line", has_text=text).first.click()
    page.keyboard.press("Control+Enter")


def replace_query(page: Page, query: str) -> None:
    page.evaluate(SET_EDITOR_VALUE, [QUERY_EDITOR, query])
    # GraphiQL re-reads the document's operations 100 ms after an edit and then
    # stores it; running before that would send the old operation name.
    page.wait_for_function("query => localStorage.getItem('graphiql:query') === query", arg=query)


def test_graphiql_runs_the_example_query_and_sends_the_headers_set_in_its_editor(demo_server) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    console: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=PREREQUISITES["chromium"].find(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{demo_server.url}/graphql", wait_until="load")
            page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
            assert "query LatestArticles" in page.evaluate(EDITOR_VALUE, QUERY_EDITOR)

            latest = result_after(page, lambda: pick_from_run_menu(page, "LatestArticles"))
            articles = latest["data"]["articles"]
            assert articles["totalCount"] == 12
            assert len(articles["edges"]) == 5
            assert all(edge["node"]["author"]["username"] for edge in articles["edges"])
            assert page.locator(".result-window").get_by_text('"totalCount"').count() == 1
            screenshot = SCREENSHOTS / "graphiql.png"
            page.screenshot(path=str(screenshot))
            print(f"GraphiQL screenshot: {screenshot}")

            token = result_after(page, lambda: run_at_cursor(page, "mutation Login"))["data"]["login"]["token"]
            assert token
            page.get_by_role("button", name="Headers").click()
            page.evaluate(
                SET_EDITOR_VALUE, [OPEN_TOOL_EDITOR, orjson.dumps({"Authorization": f"Bearer {token}"}).decode()]
            )
            replace_query(page, "query Me { viewer { user { username } email } }")
            me = result_after(page, lambda: run_at_cursor(page, "query Me"))
            assert me == {"data": {"viewer": {"user": {"username": "alice1"}, "email": "alice1@example.com"}}}
            page.screenshot(path=str(SCREENSHOTS / "graphiql-signed-in.png"))
        finally:
            browser.close()
    # The page's Content-Security-Policy (graph/http/security_headers.py) refused nothing it needs.
    assert not [line for line in console if "Content Security Policy" in line], console
    # Every script, style and query came from this server: nothing from a CDN.
    assert requested
    assert all(url.startswith((demo_server.url, "data:")) for url in requested), requested
