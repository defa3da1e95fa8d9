"""The REST door under /api (graph/rest/): every endpoint, its errors, statement counts, both doors, the OpenAPI."""
