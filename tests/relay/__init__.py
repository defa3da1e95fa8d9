"""Global IDs and connection arguments (graph/relay/)."""
