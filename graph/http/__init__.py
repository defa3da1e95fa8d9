"""The doors requests come in by: GraphQL over HTTP and over WebSocket, and what every request passes at the edge.

HTTP follows http.md: media types, status codes, APQ, caching.
"""
