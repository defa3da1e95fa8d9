"""The doors: HTTP and WebSocket at the edge (graph/http/)."""
