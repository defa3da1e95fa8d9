"""The GraphQL schema: its types, root resolvers, per-request context and loaders, and the extensions it runs with.

Also the lifespan's state as both doors read it (lifespan_state.py), declared here, below them.
"""
