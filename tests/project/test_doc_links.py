"""Every relative link in README.md and docs/*.md names a file in the repository, and its anchor a heading.

The pages must stand alone in a clone: no link may leave the repository
(`../shared/…` exists only next to the working copy this was written in).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these tests read files, not tables."""


def links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    return LINK.findall(text)


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens."""
    found = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return found


def test_there_are_pages_with_links():
    assert len(PAGES) > 5
    assert sum(len(links(page)) for page in PAGES) > 20


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not checked here
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor}")
    assert broken == []


def test_the_anchor_rule_matches_github():
    page = ROOT / "docs" / "decisions.md"
    assert "the-sql-lives-in-db-as-literals" in anchors(page)
    assert "architecture-and-decisions" in anchors(page)
