"""Pure domain rules and types: no HTTP, no SQL."""
