"""The committed SDL is the one the code renders, and it keeps the contract (contract/, a copy of the shared one)."""

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, find_breaking_changes

from graph.cli.artifacts import rendered

ROOT = Path(__file__).resolve().parents[2]
# The in-repo copy, so a clone alone can run this; .ci/run checks it against ../shared when that is present.
CONTRACT = ROOT / "contract" / "schema.graphql"


def contract_schema() -> GraphQLSchema:
    return build_schema(CONTRACT.read_text())


def our_schema() -> GraphQLSchema:
    return build_schema(rendered()["schema.graphql"])


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these tests read files, not tables."""


def test_committed_schema_is_the_rendered_schema():
    assert (ROOT / "schema.graphql").read_text() == rendered()["schema.graphql"], (
        "schema.graphql is stale: run `python -m graph export-schema`"
    )


def test_our_schema_breaks_nothing_in_the_contract():
    breaking = find_breaking_changes(contract_schema(), our_schema())
    assert [f"{change.type.name}: {change.description}" for change in breaking] == []


def test_the_contract_check_notices_a_break():
    """The check above can fail: dropping a contract field is reported."""
    text = CONTRACT.read_text().replace(
        '  "Every new comment on the article, from any server process."\n  commentAdded(articleId: ID!): Comment!\n', ""
    )
    changes = find_breaking_changes(contract_schema(), build_schema(text))
    assert [change.description for change in changes] == ["Field Subscription.commentAdded was removed."]


def test_every_read_side_type_of_the_contract_is_in_our_schema():
    ours = our_schema()
    for name in [
        "Node",
        "PageInfo",
        "User",
        "Article",
        "Comment",
        "Tag",
        "Viewer",
        "ArticleConnection",
        "ArticleEdge",
        "UserConnection",
        "UserEdge",
        "CommentConnection",
        "CommentEdge",
        "ArticleOrder",
        "ArticleFilter",
        "Query",
        "DateTime",
    ]:
        assert name in ours.type_map, name
    assert set(ours.query_type.fields) >= {"node", "nodes", "viewer", "user", "article", "articles", "users", "tags"}
    assert set(ours.subscription_type.fields) == {"articleCreated", "commentAdded"}


def test_the_committed_client_artifacts_are_current():
    for name, text in rendered().items():
        assert (ROOT / name).read_text() == text, f"{name} is stale: run python -m graph export-schema"


def test_the_introspection_artifact_builds_the_same_schema_as_the_sdl():
    import json

    from graphql import build_client_schema, lexicographic_sort_schema, print_schema

    introspection = json.loads((ROOT / "artifacts" / "introspection.json").read_text())
    from_introspection = lexicographic_sort_schema(build_client_schema(introspection))
    assert print_schema(from_introspection) == print_schema(lexicographic_sort_schema(our_schema()))


def test_possible_types_list_every_node_type_for_apollo():
    import json

    assert json.loads((ROOT / "artifacts" / "possible-types.json").read_text()) == {
        "Node": ["Article", "Comment", "User"]
    }


def test_export_check_reports_missing_or_edited_artifacts(tmp_path):
    from graph.cli.artifacts import export, stale

    assert len(stale(tmp_path)) == len(rendered())
    export(tmp_path)
    assert stale(tmp_path) == []
    (tmp_path / "artifacts" / "possible-types.json").write_text("{}\n")
    assert stale(tmp_path) == [tmp_path / "artifacts" / "possible-types.json"]
