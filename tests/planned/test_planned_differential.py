"""Differential test: queries hypothesis-graphql generates from schema.graphql get the same response on both paths.

hypothesis-graphql draws the documents from the committed schema. Four kinds:

- whole documents: which root fields, how deep, inline fragments on `Node`,
  every argument. Its sizes are heavy-tailed (most documents are one or two
  levels deep), so there are also
- framed selections: hypothesis-graphql generates a selection on Article,
  User, Comment or Viewer (the schema re-rooted at that type), which becomes
  a fragment spread inside a list a client asks for (`articles(first: n) {
  edges { node { ...Selected } } }`, comments of many articles, authors,
  followers, the feed), so the generated fields run on many parent rows;
- mutations a normalized cache sends: favoriteArticle, unfavoriteArticle,
  followUser, unfollowUser and updateViewer (idempotent writes, so both
  paths see the same rows when they read the payload back), one or two per
  document, each payload object a generated selection;
- one document in twenty has one schema violation (hypothesis-graphql's
  negative mode): the planned path must decline it.

Framed selections on Article, User and Comment sometimes also spread a
fragment on the `Node` interface (`...NodeBits`), and some frames reach
their type through `node(id:)` or `nodes(ids:)`.

One valid document in three then gets `@include`/`@skip` on some of its
fields, fragment spreads and inline fragments, each condition a literal or
one of three Boolean! variables given true or false (`Conditions`).
`node`/`nodes` are root fields like any other: the ID strategy gives seeded
rows' IDs of every type, and sometimes a missing row, a `Tag` ID or text
that is no ID at all.

The scalar strategies make values mostly real: IDs of seeded rows, small
page sizes, seeded usernames, slugs, tags and cursors, with a share of odd
ones (missing rows, sizes out of range, arbitrary text). Then `Coherent`
usually (not always) makes each field's arguments what a client would send:
a username for `username`, a cursor of that very connection for
`after`/`before`, and one direction (`first`/`after` or `last`/`before`)
instead of both, so that most documents are answered with data rather than
with BAD_USER_INPUT.

Each document runs through the planned path (`PlannedExecution.answer`, its
public entry point) and the general path (`schema.execute`), with fresh
contexts, anonymous or signed in as one of two users. Where the planned path
answers, its response (`{"data": ...}`) must equal the general path's,
errors included (so the general path must have none); where it declines,
the general path's response must be an error response: nothing else may
take the general path. A mutation runs as the app runs it: the planned
path prepares the payload's statement, then the general path writes and
the statement reads the payload back; its response must equal a plain
general-path run's. How often it
answered is counted, printed, recorded as a junit property, and must be a
substantial share, so the test cannot pass by the planner declining
everything.

The run is deterministic (`derandomize`); DIFFERENTIAL_EXAMPLES changes the
number of documents for a longer local run.
"""

import asyncio
import concurrent.futures
import os
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

import orjson
import pytest
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    build_schema,
    get_named_type,
    parse,
    print_ast,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from db.seed import SeedSize, seed
from graph.auth.viewer import ViewerIdentity
from graph.planned import PlannedExecution
from graph.schema.build import schema
from graph.schema.context import Context
from tests import factories
from tests.planned.test_planned_equivalence import decoded
from tests.read_fixtures import gid

SDL = (Path(__file__).parents[2] / "schema.graphql").read_text()
SCHEMA = build_schema(SDL)
EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "400"))
SIZE = SeedSize(users=12, articles=40, comments=150, follows_per_user=4, favorites_per_article=3)
# Three whole documents in four leave `node`/`nodes` out (drawn from every root
# field, two in three would have one): the other root fields get their share.
ROOT_FIELDS = [name for name in SCHEMA.query_type.fields if name not in {"node", "nodes"}]
SHARE_ANSWERED = 0.5

hypothesis_settings.register_profile(
    "differential",
    max_examples=EXAMPLES,
    derandomize=True,  # the same documents on every run: CI is deterministic
    database=None,
    deadline=None,  # each example is two database-backed executions
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

SEEDED = """{
  users(first: 100) { edges { cursor node { id username
    articles(first: 3) { edges { cursor } } favoriteArticles(first: 3) { edges { cursor } }
    followers(first: 3) { edges { cursor } } following(first: 3) { edges { cursor } } } } }
  articles(first: 100) { edges { cursor node { id slug tags comments(first: 3) { edges { cursor node { id } } } } } }
  oldest: articles(first: 10, orderBy: OLDEST) { edges { cursor } }
  popular: articles(first: 10, orderBy: MOST_FAVORITED) { edges { cursor } }
}"""
FEED = "{ viewer { feed(first: 10) { edges { cursor } } } }"


def context_for(db, settings, viewer_id: int | None) -> Context:
    return Context(db=db, settings=settings, viewer=ViewerIdentity(viewer_id) if viewer_id else None)


def _edges(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return connection["edges"]


@pytest.fixture
async def seeded(conn, db, settings) -> dict[str, Any]:
    """Seeded rows, and the names, IDs and cursors of them that clients would send, read through the general path."""
    await seed(conn, SIZE, factories.password_hash(), reset=True)
    reader = await conn.fetchval("SELECT follower_id FROM follows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    # Follows nobody, has favorited nothing; signed up after the seeded users (at a fixed time: same data every day).
    newcomer = (await factories.user(conn, "newcomer", created_at=datetime(2026, 2, 1, tzinfo=UTC)))["id"]
    result = await schema.execute(SEEDED, context_value=context_for(db, settings, None))
    feed = await schema.execute(FEED, context_value=context_for(db, settings, reader))
    assert not result.errors and not feed.errors
    users = [edge["node"] for edge in _edges(result.data["users"])]
    articles = [edge["node"] for edge in _edges(result.data["articles"])]
    comments = [edge["node"] for article in articles for edge in _edges(article["comments"])]
    cursors = {
        ("Query", "users", None): [edge["cursor"] for edge in _edges(result.data["users"])],
        ("Query", "articles", "NEWEST"): [edge["cursor"] for edge in _edges(result.data["articles"])],
        ("Query", "articles", "OLDEST"): [edge["cursor"] for edge in _edges(result.data["oldest"])],
        ("Query", "articles", "MOST_FAVORITED"): [edge["cursor"] for edge in _edges(result.data["popular"])],
        ("Article", "comments", None): [edge["cursor"] for a in articles for edge in _edges(a["comments"])],
        ("Viewer", "feed", None): [edge["cursor"] for edge in _edges(feed.data["viewer"]["feed"])],
    }
    for field in ("articles", "favoriteArticles", "followers", "following"):
        cursors[("User", field, None)] = [edge["cursor"] for user in users for edge in _edges(user[field])]
    assert all(cursors.values()), cursors
    return {
        "viewers": [None, reader, newcomer],
        "ids": [node["id"] for node in users + articles + comments],
        "ids_by_type": {
            "User": [user["id"] for user in users],
            "Article": [article["id"] for article in articles],
            "Comment": [comment["id"] for comment in comments],
        },
        "cursors": cursors,
        "strings": {
            "username": [user["username"] for user in users] + ["nobody"],
            "slug": [article["slug"] for article in articles] + ["no-such-article"],
            "tag": sorted({tag for article in articles for tag in article["tags"]}) + ["no-such-tag"],
            "search": ["graph", "QUERY", "a", "zzz", "%", "_", ""],
        },
    }


def mostly(usual: st.SearchStrategy, unusual: st.SearchStrategy, one_in: int = 10) -> st.SearchStrategy:
    """`usual`, and `unusual` one time in `one_in`; shrinks towards `usual`."""
    return st.integers(0, one_in - 1).flatmap(lambda n: unusual if n == one_in - 1 else usual)


def scalar_strategies(seeded: dict[str, Any]) -> dict[str, st.SearchStrategy]:
    known_strings = sorted(
        {value for values in seeded["strings"].values() for value in values}
        | {cursor for cursors in seeded["cursors"].values() for cursor in cursors}
    )
    return {
        "ID": mostly(
            st.sampled_from(seeded["ids"]),
            st.sampled_from([gid("Article", 99_999), gid("User", 0), "VGFnOjE=", "not-an-id"]),  # "VGFnOjE=": "Tag:1"
        ).map(nodes.String),
        "Int": mostly(st.integers(0, 5), st.sampled_from([20, 100, 101, -1])).map(nodes.Int),
        "String": mostly(st.sampled_from(known_strings), st.text(max_size=10), one_in=5).map(nodes.String),
        # No Query argument takes a DateTime today; one that does gets well-formed values.
        "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda value: nodes.String(value.isoformat())),
    }


# Which seeded strings each argument (or ArticleFilter field) of that name takes.
STRING_ARGUMENTS = {
    "username": "username",
    "authorUsername": "username",
    "favoritedByUsername": "username",
    "slug": "slug",
    "tag": "tag",
    "search": "search",
}


def _given(value: ValueNode | None) -> bool:
    return value is not None and not isinstance(value, NullValueNode)


class Coherent:
    """Usually turns a document's argument values into ones a client would send (see the module's docstring)."""

    def __init__(self, draw: st.DrawFn, seeded: dict[str, Any]) -> None:
        self.draw = draw
        self.seeded = seeded

    def usually(self) -> bool:
        return self.draw(st.integers(0, 9)) < 9  # shrinks towards True

    def document(self, document: DocumentNode) -> DocumentNode:
        definitions = []
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = SCHEMA.query_type
            else:
                root = SCHEMA.get_type(definition.type_condition.name.value)
            definitions.append(replace(definition, selection_set=self.selection_set(definition.selection_set, root)))
        return replace(document, definitions=tuple(definitions))

    def selection_set(self, selection_set: SelectionSetNode | None, parent: Any) -> SelectionSetNode | None:
        if selection_set is None:
            return None
        selections = []
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                on = SCHEMA.get_type(selection.type_condition.name.value)
                selection = replace(selection, selection_set=self.selection_set(selection.selection_set, on))
            elif isinstance(selection, FieldNode) and selection.name.value in getattr(parent, "fields", {}):
                named = get_named_type(parent.fields[selection.name.value].type)
                arguments = selection.arguments
                if arguments and self.usually():
                    arguments = self.arguments(parent.name, selection.name.value, arguments)
                selection = replace(
                    selection, arguments=arguments, selection_set=self.selection_set(selection.selection_set, named)
                )
            selections.append(selection)
        return replace(selection_set, selections=tuple(selections))

    def arguments(self, parent: str, field: str, arguments: tuple[ArgumentNode, ...]) -> tuple[ArgumentNode, ...]:
        values = {argument.name.value: argument.value for argument in arguments}
        if "after" in values and "before" in values:
            values = self.page(parent, field, values)
        values = {name: self.value(name, value) for name, value in values.items()}
        return tuple(
            ArgumentNode(name=arg.name, value=values[arg.name.value]) for arg in arguments if arg.name.value in values
        )

    def page(self, parent: str, field: str, values: dict[str, ValueNode]) -> dict[str, ValueNode]:
        """One direction (first/after or last/before), and a cursor of this very connection."""
        if _given(values.get("first")) and _given(values.get("last")):
            del values[self.draw(st.sampled_from(["first", "last"]))]
        backward = _given(values.get("last")) or (not _given(values.get("first")) and _given(values.get("before")))
        cursor, other = ("before", "after") if backward else ("after", "before")
        values.pop(other, None)
        values.pop("first" if backward else "last", None)
        if _given(values.get(cursor)):
            order = values.get("orderBy")
            if isinstance(order, EnumValueNode):
                order = order.value
            else:
                order = "NEWEST" if (parent, field) == ("Query", "articles") else None
            values[cursor] = nodes.String(self.draw(st.sampled_from(self.seeded["cursors"][(parent, field, order)])))
        return values

    def value(self, name: str, value: ValueNode) -> ValueNode:
        if isinstance(value, StringValueNode) and name in STRING_ARGUMENTS:
            return nodes.String(self.draw(st.sampled_from(self.seeded["strings"][STRING_ARGUMENTS[name]])))
        if isinstance(value, ObjectValueNode):
            fields = [ObjectFieldNode(name=f.name, value=self.value(f.name.value, f.value)) for f in value.fields]
            return nodes.Object(fields)
        return value


class Conditions:
    """Puts @include/@skip on some selections: literal conditions, or variables `$c0`..`$c2` drawn true or false."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.variables: dict[str, bool] = {}

    def document(self, document: DocumentNode) -> DocumentNode:
        definitions = [
            replace(definition, selection_set=self.selection_set(definition.selection_set))
            for definition in document.definitions
        ]
        boolean = NonNullTypeNode(type=NamedTypeNode(name=NameNode(value="Boolean")))
        declared = tuple(
            VariableDefinitionNode(variable=VariableNode(name=NameNode(value=name)), type=boolean, directives=())
            for name in sorted(self.variables)
        )
        definitions = [
            replace(d, variable_definitions=(*(d.variable_definitions or ()), *declared))
            if isinstance(d, OperationDefinitionNode)
            else d
            for d in definitions
        ]
        return replace(document, definitions=tuple(definitions))

    def selection_set(self, selection_set: SelectionSetNode | None) -> SelectionSetNode | None:
        if selection_set is None:
            return None
        selections = []
        for selection in selection_set.selections:
            if not isinstance(selection, FragmentSpreadNode):
                selection = replace(selection, selection_set=self.selection_set(selection.selection_set))
            if not selection.directives and self.draw(st.integers(0, 4)) == 0:
                selection = replace(selection, directives=(self.directive(),))
            selections.append(selection)
        return replace(selection_set, selections=tuple(selections))

    def directive(self) -> DirectiveNode:
        if self.draw(st.booleans()):
            value: ValueNode = BooleanValueNode(value=self.draw(st.booleans()))
        else:
            name = self.draw(st.sampled_from(["c0", "c1", "c2"]))
            self.variables.setdefault(name, self.draw(st.booleans()))
            value = VariableNode(name=NameNode(value=name))
        return DirectiveNode(
            name=NameNode(value=self.draw(st.sampled_from(["include", "skip"]))),
            arguments=(ArgumentNode(name=NameNode(value="if"), value=value),),
        )


# Lists a client asks for, each around a fragment `Selected` on the type the list holds.
FRAMES = {
    "Article": (
        "articles(first: $n) { edges { cursor node { ...Selected } } }",
        'articles(last: $n, orderBy: MOST_FAVORITED, filter: { tag: "$tag" }) { edges { node { ...Selected } } }',
        'article(slug: "$slug") { ...Selected }',
        'user(username: "$username") { favoriteArticles(first: $n) { edges { node { ...Selected } } } }',
        "viewer { feed(first: $n) { edges { node { ...Selected } } } }",
    ),
    "User": (
        "users(first: $n) { edges { node { ...Selected } } }",
        "articles(first: $n) { edges { node { author { ...Selected } } } }",
        'user(username: "$username") { followers(first: $n) { edges { node { ...Selected } } } }',
    ),
    "Comment": (
        "articles(first: $n) { edges { node { comments(last: $n) { edges { node { ...Selected } } } } } }",
        'article(slug: "$slug") { comments { edges { node { ...Selected } } } }',
    ),
    "Viewer": ("viewer { ...Selected }",),
}


# A fragment on the interface, spread next to a framed selection on a Node type.
NODE_BITS = "fragment NodeBits on Node { __typename id ... on User { username } ... on Article { slug } }"
# Frames that reach their type through the Node interface.
NODE_FRAMES = ('node(id: "$id") { ...Selected }', 'nodes(ids: ["$id", "$other"]) { id ...Selected }')
# Mutations whose writes are idempotent: run by both paths in turn, they leave the same rows for the payload.
MUTATIONS = {
    "Article": (
        'favoriteArticle(input: { articleId: "$article" }) { errors { code field } article { ...Selected } }',
        'unfavoriteArticle(input: { articleId: "$article" }) { article { ...Selected } errors { code } }',
    ),
    "User": (
        'followUser(input: { userId: "$user" }) { user { ...Selected } errors { code } }',
        'unfollowUser(input: { userId: "$user" }) { errors { message } user { ...Selected } }',
    ),
    "Viewer": ('updateViewer(input: { bio: "$bio" }) { viewer { ...Selected } errors { code } }',),
}


def rooted_at(type_name: str) -> GraphQLSchema:
    """The schema with `type_name` as its query root: hypothesis-graphql then generates selections on that type."""
    types = [named for name, named in SCHEMA.type_map.items() if not name.startswith("__")]
    return GraphQLSchema(query=SCHEMA.get_type(type_name), types=types)


def documents(seeded: dict[str, Any]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Whole documents, or a selection on one type in a frame; both with their values made coherent.

    Each comes with its variables (the conditions'), empty for most.
    """
    scalars = scalar_strategies(seeded)

    def generated(fields: list[str] | None) -> st.SearchStrategy[DocumentNode]:
        return queries(SDL, fields=fields, custom_scalars=scalars, print_ast=lambda node: node)

    # One schema violation each (a wrong argument type, a missing argument): the planned path must decline them.
    invalid = queries(SDL, custom_scalars=scalars, mode=Mode.NEGATIVE)
    selections = {
        type_name: queries(
            rooted_at(type_name),
            custom_scalars=scalars,
            print_ast=lambda node: print_ast(node.definitions[0].selection_set),
        )
        for type_name in FRAMES
    }

    @st.composite
    def framed(draw: st.DrawFn) -> DocumentNode:
        type_name = draw(st.sampled_from(sorted(FRAMES)))
        frames = FRAMES[type_name] + (NODE_FRAMES if type_name in seeded["ids_by_type"] else ())
        ids = seeded["ids_by_type"].get(type_name, seeded["ids"])
        frame = Template(draw(st.sampled_from(frames))).substitute(
            n=draw(st.integers(1, 10)),
            tag=draw(st.sampled_from(seeded["strings"]["tag"])),
            slug=draw(st.sampled_from(seeded["strings"]["slug"])),
            username=draw(st.sampled_from(seeded["strings"]["username"])),
            id=draw(st.sampled_from(ids)),
            other=draw(st.sampled_from(seeded["ids"])),
        )
        fragments = f"fragment Selected on {type_name} {draw(selections[type_name])}"
        if type_name in seeded["ids_by_type"] and draw(st.integers(0, 2)) == 0:
            frame = frame.replace("...Selected", "...Selected ...NodeBits")
            fragments += "\n" + NODE_BITS
        return parse(f"query Framed {{ {frame} }}\n{fragments}")

    @st.composite
    def mutation(draw: st.DrawFn) -> DocumentNode:
        """One or two idempotent mutations, each payload object a generated selection."""
        fields, fragments = [], []
        for n in range(draw(st.integers(1, 2))):
            type_name = draw(st.sampled_from(sorted(MUTATIONS)))
            field = Template(draw(st.sampled_from(MUTATIONS[type_name]))).substitute(
                article=draw(mostly(st.sampled_from(seeded["ids_by_type"]["Article"]), st.just(gid("Article", 0)))),
                user=draw(st.sampled_from(seeded["ids_by_type"]["User"])),
                bio=draw(st.sampled_from(["", "Writes about graphs.", "Tab\\there"])),
            )
            fields.append(f"m{n}: " + field.replace("...Selected", f"...Selected{n}"))
            fragments.append(f"fragment Selected{n} on {type_name} {draw(selections[type_name])}")
        return parse(f"mutation Payloads {{ {' '.join(fields)} }}\n" + "\n".join(fragments))

    @st.composite
    def coherent(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
        whole = mostly(generated(ROOT_FIELDS), generated(None), one_in=4)
        document = draw(st.one_of(whole, framed(), mostly(framed(), mutation(), one_in=3)))
        document = Coherent(draw, seeded).document(document)
        conditions = Conditions(draw)
        if draw(st.integers(0, 2)) == 0:
            document = conditions.document(document)
        return print_ast(document), conditions.variables

    return mostly(coherent(), invalid.map(lambda query: (query, {})), one_in=20)


@pytest.mark.slow  # 400 generated documents on both paths: seconds
async def test_generated_queries_get_the_same_response_on_both_paths(seeded, db, settings, record_property) -> None:
    # The test calls the planned path itself, so CI's second pass (the switch
    # off) repeats the same deterministic run; it is cheap enough to keep.
    loop = asyncio.get_running_loop()
    planned_execution = PlannedExecution(schema)  # one per process in the app, plans cached across requests
    outcomes: Counter[str] = Counter()

    def response(result) -> dict[str, Any]:
        formatted = {"data": orjson.loads(orjson.dumps(result.data))}  # payload objects are JSON text
        if result.errors:
            formatted["errors"] = [error.formatted for error in result.errors]
        return formatted

    async def compare_mutation(query: str, variables: dict[str, Any], viewer_id: int | None) -> None:
        context = context_for(db, settings, viewer_id)
        assert await planned_execution.answer(query, None, variables, context) is None  # the write is the resolvers'
        planned = await schema.execute(query, variable_values=variables, context_value=context)
        general_context = context_for(db, settings, viewer_id)
        general = await schema.execute(query, variable_values=variables, context_value=general_context)
        assert response(planned) == response(general), (query, variables)
        if context.answered_by is None:
            assert general.errors or "mutation" not in query, query  # not planned: an error response
            outcomes["declined"] += 1
            return
        outcomes["answered"] += 1
        outcomes["answered mutations"] += 1

    async def compare(query: str, variables: dict[str, Any], viewer_id: int | None) -> None:
        if query.startswith("mutation Payloads"):
            await compare_mutation(query, variables, viewer_id)
            return
        context = context_for(db, settings, viewer_id)
        planned = decoded(await planned_execution.answer(query, None, variables, context))
        general_context = context_for(db, settings, viewer_id)
        general = await schema.execute(query, variable_values=variables, context_value=general_context)
        general_response = response(general)
        if planned is None:
            # Only error responses may take the general path (these documents hold no introspection).
            assert general.errors, (query, variables)
            outcomes["declined"] += 1  # the general path answers
            return
        assert {"data": planned} == general_response, (query, variables)
        outcomes["answered"] += 1
        outcomes["answered with conditions"] += bool(variables) or "@include" in query or "@skip" in query
        outcomes["answered node/nodes"] += "node(" in query or "nodes(" in query
        outcomes["answered Node fragments"] += "on Node" in query

    @hypothesis_settings.get_profile("differential")
    @given(document=documents(seeded), viewer_id=st.sampled_from(seeded["viewers"]))
    def run(document: tuple[str, dict[str, Any]], viewer_id: int | None) -> None:
        query, variables = document
        try:
            asyncio.run_coroutine_threadsafe(compare(query, variables, viewer_id), loop).result()
        except concurrent.futures.CancelledError as error:  # an Exception, unlike asyncio's: Hypothesis shrinks it
            raise AssertionError(f"CancelledError escaped:\n{query}") from error

    # A synchronous Hypothesis test in a thread, each example run on this loop (the
    # pool's): the share below can then be checked once, after every example.
    await asyncio.to_thread(run)
    assert outcomes["answered with conditions"] >= EXAMPLES // 10, outcomes
    assert outcomes["answered node/nodes"] >= EXAMPLES // 40, outcomes
    assert outcomes["answered Node fragments"] >= EXAMPLES // 40, outcomes
    assert outcomes["answered mutations"] >= EXAMPLES // 40, outcomes
    total = outcomes["answered"] + outcomes["declined"]
    share = outcomes["answered"] / total
    record_property("planned_answered", f"{outcomes['answered']}/{total}")
    print(f"planned path answered {outcomes['answered']} of {total} generated queries ({share:.0%}); {outcomes}")
    assert total >= EXAMPLES
    assert share >= SHARE_ANSWERED, outcomes


# Found by the test above (a longer, randomized run): when one field fails and
# graphql-core cancels its siblings, a sibling awaiting a DataLoader future
# that another field also awaits (here both `author`s load user 1's row)
# cancels that shared future, and the other field's CancelledError escapes
# schema.execute (and the HTTP endpoint) instead of BAD_USER_INPUT. A bug of
# the general path, fixed by graph/schema/loaders.py's SharedLoader (each caller
# waits on its own shield of the shared future).
SHARED_LOADER_KEY_NEXT_TO_AN_ERROR = """{
  a: articles(first: 1) { edges { node { author { id } } } }
  b: articles(first: 1) { edges { node { author { id } comments(after: "") { totalCount } } } }
}"""


async def test_an_error_next_to_a_shared_loader_key_is_answered_with_its_code(db, settings, conn) -> None:
    author = await factories.user(conn, "author")
    await factories.article(conn, author["id"])
    for _ in range(3):  # the first request sometimes finishes the load before the cancellation
        try:
            result = await schema.execute(
                SHARED_LOADER_KEY_NEXT_TO_AN_ERROR, context_value=context_for(db, settings, None)
            )
        except asyncio.CancelledError:
            pytest.fail("CancelledError escaped schema.execute")
        assert [error.extensions["code"] for error in result.errors] == ["BAD_USER_INPUT"]
