"""PostgreSQL and nothing else: the pool, typed query functions, domain errors.

Nothing in this package knows about GraphQL or Strawberry.
"""
