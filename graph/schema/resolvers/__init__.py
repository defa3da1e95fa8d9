"""Root resolvers: arguments in, a db function or loader, types out."""
