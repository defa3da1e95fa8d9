"""Tokens, login limits and authorization across users (graph/auth/)."""
