"""The service: the app factory, its settings, the command line, and the packages a request passes.

docs/architecture.md draws them and says which may import which.
"""
