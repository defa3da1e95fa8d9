"""The committed SDL is the one the code renders, and it keeps the shared contract."""

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from graphql import BreakingChange, GraphQLSchema, build_schema, find_breaking_changes

from graph.artifacts import rendered

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "schema.graphql"

# Types of the contract this schema may still break, because their side is not
# finished yet: patterns (fnmatch) of the type a breaking change is about.
# Query and Mutation are complete; Subscription lands with the real-time issue,
# and then this becomes ().
UNFINISHED_CONTRACT_TYPES: tuple[str, ...] = ("Subscription",)

# The type a breaking change is about, from graphql-core's description of it:
# the union a member left, else the type of the first "Type.member" named,
# else the type the description starts with ("User no longer implements ...").
_UNION_MEMBER_REMOVED = re.compile(r" was removed from union type (?P<owner>\w+)")
_MEMBER = re.compile(r"\b(?P<owner>[A-Za-z_]\w*)\.\w+")
_LEADING_TYPE = re.compile(r"^(?P<owner>[A-Za-z_]\w*) ")


def owner_of(change: BreakingChange) -> str | None:
    if "@" in change.description:  # directives belong to no type
        return None
    for pattern in (_UNION_MEMBER_REMOVED, _MEMBER, _LEADING_TYPE):
        match = pattern.search(change.description)
        if match:
            return match.group("owner")
    return None


def is_allowed(change: BreakingChange, allowed: tuple[str, ...] = UNFINISHED_CONTRACT_TYPES) -> bool:
    owner = owner_of(change)
    return owner is not None and any(fnmatchcase(owner, pattern) for pattern in allowed)


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


def test_our_schema_breaks_nothing_in_the_contract_outside_the_unfinished_types():
    breaking = find_breaking_changes(contract_schema(), our_schema())
    unexpected = [f"{change.type.name}: {change.description}" for change in breaking if not is_allowed(change)]
    assert unexpected == []


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


# The checker itself: each kind of break is attributed to the right type.


def _broken(edit) -> list[BreakingChange]:
    text = CONTRACT.read_text()
    changed = edit(text)
    assert changed != text, "the edit did not apply"
    return find_breaking_changes(contract_schema(), build_schema(changed))


@pytest.mark.parametrize(
    ("edit", "owner"),
    [
        (
            lambda t: t.replace(
                '  title: String!\n  description: String!\n  body: String!\n  "Sorted',
                '  description: String!\n  body: String!\n  "Sorted',
            ),
            "Article",
        ),
        (lambda t: t.replace("favoritesCount: Int!", "favoritesCount: Int"), "Article"),
        (lambda t: t.replace("  OLDEST\n", ""), "ArticleOrder"),
        (lambda t: t.replace('  "The node the input names does not exist."\n  NOT_FOUND\n', ""), "UserErrorCode"),
        (lambda t: t.replace("input LoginInput {\n", "input LoginInput {\n  otp: String!\n"), "LoginInput"),
        (lambda t: t.replace("user(username: String!): User", "user(name: String!): User"), "Query"),
        (lambda t: t.replace("type User implements Node {", "type User {"), "User"),
    ],
    ids=[
        "field removed",
        "nullability loosened",
        "enum value removed",
        "contract enum value removed",
        "required input field added",
        "argument renamed",
        "interface dropped",
    ],
)
def test_breaking_changes_are_attributed_to_the_type_they_are_about(edit, owner):
    changes = _broken(edit)
    assert changes
    assert owner in {owner_of(change) for change in changes}


def test_a_member_removed_from_a_union_is_attributed_to_the_union():
    text = CONTRACT.read_text()
    before = build_schema(text + "\nunion Anything = User | Article\n")
    after = build_schema(text + "\nunion Anything = User\n")
    assert [owner_of(change) for change in find_breaking_changes(before, after)] == ["Anything"]


def test_a_query_or_mutation_break_is_not_allowed_and_an_unfinished_type_break_is():
    read_side = _broken(lambda t: t.replace("  endCursor: String\n", ""))
    assert read_side and not any(is_allowed(change) for change in read_side)
    write_side = _broken(lambda t: t.replace("  login(input: LoginInput!): AuthPayload!\n", ""))
    assert write_side and not any(is_allowed(change) for change in write_side)
    assert all(is_allowed(change, ("Mutation",)) for change in write_side)


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
    from graph.artifacts import export, stale

    assert len(stale(tmp_path)) == len(rendered())
    export(tmp_path)
    assert stale(tmp_path) == []
    (tmp_path / "artifacts" / "possible-types.json").write_text("{}\n")
    assert stale(tmp_path) == [tmp_path / "artifacts" / "possible-types.json"]
