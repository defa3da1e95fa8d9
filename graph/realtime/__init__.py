"""Subscriptions: events from PostgreSQL fanned out to this process's WebSocket subscribers."""
