"""docs/settings.md is rendered from graph/settings.py, so the page cannot drift from the code."""

from pathlib import Path

import pytest
from pydantic import Field

from graph.cli.artifacts import rendered
from graph.cli.settings_doc import SETTINGS_GROUPS, settings_doc
from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "settings.md"


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these tests read files, not tables."""


def test_the_committed_settings_doc_is_the_rendered_one():
    assert DOC.read_text() == rendered()["docs/settings.md"], (
        "docs/settings.md is stale: run `python -m graph export-schema`"
    )


def test_every_setting_has_a_description_and_a_row():
    text = settings_doc()
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name}: add Field(description=...) in graph/settings.py"
        assert f"| `{name.upper()}` |" in text, name


def test_the_rows_say_type_default_and_meaning():
    text = settings_doc()
    assert "| `ENVIRONMENT` | `development`, `production` | `development` |" in text
    assert "| `GRAPHIQL` | `true`, `false`, unset | unset |" in text
    assert "| `POOL_ACQUIRE_TIMEOUT` | number > 0 | `5.0` |" in text
    assert "| `MAX_QUERY_COST` | integer ≥ 1 | `20000` |" in text
    assert "| `ALLOWED_ORIGINS` | comma-separated list | empty |" in text
    assert "| `LISTENER_DATABASE_URL` | text, unset | unset |" in text


def test_the_groups_follow_the_class_order():
    text = settings_doc()
    headings = [line.removeprefix("## ") for line in text.splitlines() if line.startswith("## ")]
    assert headings == list(SETTINGS_GROUPS.values())


def test_a_new_field_is_picked_up_in_its_group():
    class Extended(Settings):
        zz_new_setting: bool = Field(default=False, description="Something | new.")

    text = settings_doc(Extended)
    tokens = text.split("## Tokens", 1)[1]
    assert "| `ZZ_NEW_SETTING` | `true`, `false` | `false` | Something \\| new. |" in tokens


def test_a_field_without_a_description_is_refused():
    class Undocumented(Settings):
        zz_undocumented: int = 3

    with pytest.raises(ValueError, match="zz_undocumented has no description"):
        settings_doc(Undocumented)


def test_rendering_is_deterministic(monkeypatch):
    before = settings_doc()
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    assert settings_doc() == before
