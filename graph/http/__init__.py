"""GraphQL over HTTP as http.md specifies: media types, status codes, APQ, caching."""
