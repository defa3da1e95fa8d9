"""What the service leaves behind for operators: logs, metrics, traces, request ids, the path that answered."""
