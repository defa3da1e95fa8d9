"""Operation shape, cost, argument ranges and bounds, log redaction (graph/limits/)."""
