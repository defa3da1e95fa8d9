"""The GraphQL edge: app factory, schema, context, loaders, types, resolvers."""
