"""The repository as a whole: import directions, docs links, deploy files, prerequisites."""
