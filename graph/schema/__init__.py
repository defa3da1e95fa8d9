"""The GraphQL schema: its types, root resolvers, per-request context and loaders, and the extensions it runs with."""
