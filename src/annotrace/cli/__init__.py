"""The `annotrace` command line."""
