"""The planned path against the general one (graph/planned/)."""
