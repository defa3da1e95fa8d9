"""The schema's answers: reads, writes, accounts, loaders, statement counts (graph/schema/)."""
