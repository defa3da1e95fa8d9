"""The data layer, its SQL and its schema version (db/, migrations/)."""
