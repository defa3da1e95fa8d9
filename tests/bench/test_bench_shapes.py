"""The benchmark's documents are valid for our schema, and the client-style shapes cover the contract's mutations."""

import orjson
import pytest
from graphql import FieldNode, OperationDefinitionNode, parse, validate

from bench.client_shapes import CLIENT_SHAPES, CM3
from bench.shapes import OPERATION, SHAPES, Params, ours_body, postgraphile_body
from graph.schema.build import schema


def documents(shape) -> list[str]:
    return list(shape.ours.values()) if isinstance(shape.ours, dict) else [shape.ours]


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shapes_documents_validate_against_the_schema(name):
    for document in documents(SHAPES[name]):
        assert validate(schema._schema, parse(document)) == [], document


def test_every_mutation_of_the_contract_has_a_client_style_shape():
    sent = set()
    for shape in CLIENT_SHAPES:
        for document in documents(shape):
            for definition in parse(document).definitions:
                if isinstance(definition, OperationDefinitionNode) and definition.operation.value == "mutation":
                    sent |= {s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)}
    assert sent == set(schema._schema.mutation_type.fields)


def untyped_selections(document: str) -> list[str]:
    """Fields whose selection set lacks `__typename` (Apollo's addTypename and urql's add it to every one)."""
    missing = []

    def walk(selection_set) -> None:
        for selection in selection_set.selections:
            if getattr(selection, "selection_set", None) is None:  # a leaf, or a named spread (walked as its fragment)
                continue
            if isinstance(selection, FieldNode):
                names = {s.name.value for s in selection.selection_set.selections if isinstance(s, FieldNode)}
                if "__typename" not in names:
                    missing.append(selection.name.value)
            walk(selection.selection_set)

    for definition in parse(document).definitions:
        walk(definition.selection_set)
    return missing


@pytest.mark.parametrize("shape", CLIENT_SHAPES, ids=lambda shape: shape.name)
def test_client_style_shapes_ask_for_typename_on_every_object_like_a_normalized_cache(shape):
    other = shape.postgraphile
    for document in documents(shape) + (list(other.values()) if isinstance(other, dict) else [other]):
        assert untyped_selections(document) == [], document


def test_a_toggle_request_sends_the_one_operation_it_names():
    ours_variables, postgraphile_variables, _ = CM3.requests(Params(username="", writer="", article_ids=[7]))[1]
    ours = orjson.loads(ours_body(CM3, ours_variables))
    theirs = orjson.loads(postgraphile_body(CM3, postgraphile_variables))
    assert ours["operationName"] == theirs["operationName"] == "UnfavoriteArticle"
    assert ours["query"].startswith("mutation UnfavoriteArticle(") and "  favoriteArticle(" not in ours["query"]
    assert OPERATION not in ours["variables"] and theirs["variables"] == {"articleId": "7"}
