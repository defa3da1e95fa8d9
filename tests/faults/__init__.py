"""Databases and servers killed or restarted under load."""
