"""Schema artifacts for clients: the SDL, committed at the repository root."""

from pathlib import Path

from strawberry.printer import print_schema

from graph.schema import schema


def rendered() -> dict[str, str]:
    return {"schema.graphql": print_schema(schema) + "\n"}


def export(root: Path) -> list[Path]:
    written = []
    for name, text in rendered().items():
        path = root / name
        path.write_text(text)
        written.append(path)
    return written


def stale(root: Path) -> list[Path]:
    return [
        root / name
        for name, text in rendered().items()
        if not (root / name).exists() or (root / name).read_text() != text
    ]
