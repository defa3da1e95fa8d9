"""Subscriptions and the event hub (graph/realtime/)."""
