"""Where the REST API lives: one prefix, read by its routers and by the edge that answers before them."""

PREFIX = "/api"


def is_rest_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")
