"""Relay conventions shared by every layer: opaque global IDs and connection arguments and cursors."""
