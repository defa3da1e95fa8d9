"""Object types, one module per GraphQL type; each builds itself from a db row with `from_row`."""
