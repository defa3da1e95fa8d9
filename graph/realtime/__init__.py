"""The subscriptions engine: events from PostgreSQL fanned out to this process's subscribers, executed for them."""
