"""The command line's parts: checks before starting, the banner, startup errors, exported artifacts, reports."""
